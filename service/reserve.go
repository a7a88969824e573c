package service

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/carecast/carecast/store"
)

// ReserveFile is the disk reserve: a file of reserveBytes in the data directory that the
// service deletes when the disk is full and it must record the end of a run (see runManager.finish) or mark the
// runs a stop interrupted, so that those runs end "failed" rather than stay "running" — holding
// their organisation's run quota and blocking cancel and scenario deletion — until an
// administrator frees space and the server restarts. Requests never use it: their writes
// answer 507 instead. The reserve is made again at start and after a run ends, once the disk
// has twice its size free.
const (
	ReserveFile  = "reserve"
	reserveBytes = 1 << 20 // room for a few dozen SQLite commits of run outcomes
)

// keepReserve makes the disk reserve if it is missing and the disk has room for it.
func (s *Service) keepReserve() {
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	path := filepath.Join(s.dataDir, ReserveFile)
	if _, err := os.Stat(path); err == nil {
		return
	}
	if free, err := freeBytes(s.dataDir); err == nil && free < 2*reserveBytes {
		return // not now: the space is needed more than the reserve
	}
	err := writeReserve(path)
	if err != nil {
		os.Remove(path)
		s.log.Warn("make the disk reserve", "path", path, "err", err)
	}
}

func writeReserve(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	// Zeros written, not a sparse file or a hole: the blocks must really be allocated.
	if _, err := f.Write(make([]byte, reserveBytes)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// releaseReserve deletes the disk reserve and reports whether there was one.
func (s *Service) releaseReserve() bool {
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	path := filepath.Join(s.dataDir, ReserveFile)
	if err := os.Remove(path); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Error("release the disk reserve", "path", path, "err", err)
		}
		return false
	}
	s.log.Error("the disk is full: released the disk reserve to record the end of runs; free space on it",
		"path", path, "bytes", reserveBytes)
	return true
}

// withReserve runs write, and once more after releasing the disk reserve if it failed because
// the disk is full.
func (s *Service) withReserve(write func() error) error {
	err := write()
	if errors.Is(err, store.ErrDiskFull) && s.releaseReserve() {
		err = write()
	}
	return err
}
