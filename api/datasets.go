package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Dataset describes an uploaded or built-in dataset.
type Dataset struct {
	ID          string    `json:"id" example:"dst_abcdefghijklmnopqrstuvwxyz" doc:"Dataset ID; built-in datasets have IDs starting builtin_."`
	URL         string    `json:"url" doc:"This dataset's URL (path)."`
	Kind        string    `json:"kind" doc:"Which canonical dataset it is."`
	Name        string    `json:"name" doc:"The name given at upload."`
	Builtin     bool      `json:"builtin" doc:"True for datasets that ship with carecast (readable by every organisation)."`
	ContentHash string    `json:"content_hash" example:"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" doc:"SHA-256 of the file."`
	Size        int64     `json:"size" doc:"File size in bytes."`
	Summary     Summary   `json:"summary" doc:"What the validator found in the file."`
	Created     time.Time `json:"created"`
}

func datasetBody(d store.Dataset) Dataset {
	var sum Summary
	json.Unmarshal(d.Summary, &sum) // stored by us from a Summary; a bad one shows as empty
	return Dataset{ID: d.ID, URL: "/v1/datasets/" + d.ID, Kind: d.Kind, Name: d.Name, ContentHash: d.ContentHash,
		Size: d.Size, Summary: sum, Created: d.Created}
}

func builtinBody(b BuiltinDataset) Dataset {
	return Dataset{ID: builtinID(b), URL: "/v1/datasets/" + builtinID(b), Kind: b.Kind, Name: b.Name, Builtin: true,
		ContentHash: b.ContentHash, Size: b.Size, Summary: b.Summary, Created: b.Created}
}

// builtinID is a built-in dataset's ID: builtin_ and its kind.
func builtinID(b BuiltinDataset) string { return "builtin_" + b.Kind }

// DatasetPath is the path parameter naming a dataset.
type DatasetPath struct {
	ID string `path:"id" pattern:"^(dst_[a-z2-7]{26}|builtin_[a-z_]{1,40})$" example:"dst_abcdefghijklmnopqrstuvwxyz" doc:"Dataset ID."`
}

type datasetOutput struct {
	Location string `header:"Location" doc:"The dataset's URL (on upload)."`
	Body     Dataset
}

// uploadInput streams the request body to a file: no Body field, so Huma does not buffer it;
// Resolve keeps the huma.Context to read the body and extend the read deadline.
type uploadInput struct {
	Kind          string `query:"kind" required:"true" enum:"areas,population,mortality,fertility,migration,prevalence,service_activity,unit_costs,supply" doc:"Which canonical dataset the file is."`
	Name          string `query:"name" required:"true" minLength:"1" maxLength:"200" pattern:"^[^/\\\\\\x00-\\x1f]+$" example:"population_2024.parquet" doc:"A name for the file; its extension (.parquet, .csv) tells the validator the format."`
	ContentLength int64  `header:"Content-Length" doc:"The file size; larger than the server's upload limit is refused at once (413)."`
	hctx          huma.Context
}

// Resolve implements huma.Resolver.
func (in *uploadInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	if !utf8.ValidString(in.Name) {
		return []error{&huma.ErrorDetail{Location: "query.name", Message: "not valid UTF-8", Value: in.Name}}
	}
	return nil
}

func (s *Service) registerDatasets(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "upload-dataset", Method: http.MethodPost, Path: "/datasets", Tags: []string{"Datasets"},
		Summary: "Upload a dataset", DefaultStatus: http.StatusCreated,
		Description: "The request body is the file itself. It is written to a temporary file, validated, then " +
			"stored and recorded in one step: an invalid file is refused with every problem listed (422) and " +
			"nothing is stored. Files larger than the server's upload limit are refused (413). If the server's disk " +
			"fills up while the file is written, the upload is refused (507), the partial file removed and nothing stored.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}},
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusInsufficientStorage},
	}, "dataset", store.RolePlanner, s.uploadDataset)

	register(s, api, huma.Operation{
		OperationID: "list-datasets", Method: http.MethodGet, Path: "/datasets", Tags: []string{"Datasets"},
		Summary: "List datasets", Description: "The built-in datasets (first page only) and your organisation's uploads, newest first.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, "dataset", store.RoleViewer, func(ctx context.Context, in *struct {
		PageParams
	}) (*listOutput[Dataset], error) {
		pg, err := s.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		ds, next, err := s.svc.ListDatasets(ctx, caller(ctx).OrgID, pg)
		if err != nil {
			return nil, err
		}
		out := newList[Dataset](next)
		if in.Cursor == "" {
			for _, b := range s.deps.Builtin {
				out.Body.Items = append(out.Body.Items, builtinBody(b))
			}
		}
		for _, d := range ds {
			out.Body.Items = append(out.Body.Items, datasetBody(d))
		}
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "get-dataset", Method: http.MethodGet, Path: "/datasets/{id}", Tags: []string{"Datasets"},
		Summary: "Describe a dataset", Description: "A dataset's kind, size, content hash and summary.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "dataset", store.RoleViewer, func(ctx context.Context, in *DatasetPath) (*datasetOutput, error) {
		if b, ok := s.builtin(in.ID); ok {
			return &datasetOutput{Body: builtinBody(b)}, nil
		}
		d, err := s.svc.Dataset(ctx, caller(ctx).OrgID, in.ID)
		if err != nil {
			return nil, err
		}
		return &datasetOutput{Body: datasetBody(d)}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "delete-dataset", Method: http.MethodDelete, Path: "/datasets/{id}", Tags: []string{"Datasets"},
		Summary: "Delete an uploaded dataset", DefaultStatus: http.StatusNoContent,
		Description: "Deletes one of your organisation's uploads (record, then file). Built-in datasets cannot be deleted.",
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "dataset", store.RoleAdmin, func(ctx context.Context, in *DatasetPath) (*struct{}, error) {
		if _, ok := s.builtin(in.ID); ok || strings.HasPrefix(in.ID, "builtin_") {
			return nil, huma.Error403Forbidden("built-in datasets cannot be deleted")
		}
		if _, err := s.svc.DeleteDataset(ctx, caller(ctx).OrgID, in.ID); err != nil {
			return nil, err
		}
		return &struct{}{}, nil
	})
}

func (s *Service) builtin(id string) (BuiltinDataset, bool) {
	for _, b := range s.deps.Builtin {
		if builtinID(b) == id {
			return b, true
		}
	}
	return BuiltinDataset{}, false
}

// uploadDataset gives the body to the service (service.Service.AddDataset: to tmp/, validated,
// renamed into uploads/, committed) under the upload limit and timeout, and answers its errors.
func (s *Service) uploadDataset(ctx context.Context, in *uploadInput) (*datasetOutput, error) {
	limit := s.cfg.MaxUploadBytes
	tooLarge := huma.Error413RequestEntityTooLarge(fmt.Sprintf("the file is larger than the upload limit of %d bytes", limit))
	if in.ContentLength > limit {
		return nil, tooLarge
	}
	// The server's read and write timeouts are for ordinary requests: give the upload its own.
	in.hctx.SetReadDeadline(time.Now().Add(s.cfg.UploadTimeout))
	if rw, ok := in.hctx.BodyWriter().(http.ResponseWriter); ok {
		http.NewResponseController(rw).SetWriteDeadline(time.Now().Add(s.cfg.UploadTimeout + s.cfg.WriteTimeout))
	}
	body := in.hctx.BodyReader()

	d, err := s.svc.AddDataset(ctx, caller(ctx).OrgID, in.Kind, in.Name, body, limit)
	var re *service.ReceiveError
	var inv *service.InvalidDataset
	switch {
	case errors.As(err, &re):
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.log.Info("upload interrupted", "request_id", info(ctx).id, "err", re.Err)
		return nil, huma.Error400BadRequest("the upload was interrupted before the whole file arrived")
	case errors.Is(err, service.ErrUploadTooLarge):
		return nil, tooLarge
	case errors.Is(err, service.ErrUploadEmpty):
		return nil, huma.Error422UnprocessableEntity("the file is empty", &huma.ErrorDetail{Location: "body", Message: "empty"})
	case errors.As(err, &inv):
		return nil, invalid("the file is not a valid "+inv.Kind+" dataset", "body", inv.Err, locateAs)
	case err != nil:
		return nil, err // ENOSPC: 507 (see toHTTP)
	}
	b := datasetBody(d)
	return &datasetOutput{Location: b.URL, Body: b}, nil
}
