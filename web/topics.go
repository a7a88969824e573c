package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/service"
)

// TopicSource answers the topic pages (service.Carecast implements it).
type TopicSource interface {
	Topics() []service.Topic
	Topic(id string) (service.Topic, error)
	TopicTable(id string, areas []string, from, to int) (*service.TopicTable, error)
	Councils() []string
}

type topicListPage struct {
	base
	Topics []service.Topic
}

// topicCell is one cell of the page's table: a count with its range.
type topicCell struct {
	Count, Lo, Hi *float64
}

type topicTablePage struct {
	base
	Topic           service.Topic
	Area            string
	AreaName        string
	From, To        int
	Sex             string
	Years           []int
	Bands           []string
	Cells           [][]topicCell // [band][year]
	HasRange        bool
	Studies, Notes  []string
	Councils        []councilOption
	CSVURL, XLSXURL string
	AllCSVURL       string
}

type councilOption struct{ Code, Name string }

func (s *site) topicList(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	if s.d.Topics == nil {
		s.fail(w, r, &p, http.StatusServiceUnavailable, "No topics", "This server has no POPPI/PANSI topic rates.")
		return
	}
	s.render(w, r, http.StatusOK, "topics", &topicListPage{base: base{Title: "POPPI and PANSI topics", User: &p, Section: "topics"}, Topics: s.d.Topics.Topics()})
}

// topicQuery reads area, from and to (defaults: the first council, 2023 and 2040).
func (s *site) topicQuery(r *http.Request) (area string, from, to int, err error) {
	q := r.URL.Query()
	area = strings.TrimSpace(q.Get("area"))
	from, to = 2023, 2040
	for _, f := range []struct {
		name string
		v    *int
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < service.TopicFirstYear || n > service.TopicLastYear {
				return "", 0, 0, errors.New(f.name + " must be a year from " + strconv.Itoa(service.TopicFirstYear) + " to " + strconv.Itoa(service.TopicLastYear))
			}
			*f.v = n
		}
	}
	if to < from {
		return "", 0, 0, errors.New("the last year is before the first")
	}
	return area, from, to, nil
}

func (s *site) topicPage(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	if s.d.Topics == nil {
		s.fail(w, r, &p, http.StatusServiceUnavailable, "No topics", "This server has no POPPI/PANSI topic rates.")
		return
	}
	id := r.PathValue("topic")
	t, err := s.d.Topics.Topic(id)
	if err != nil {
		s.fail(w, r, &p, http.StatusNotFound, "No such topic", "carecast holds no rates for a topic "+strconv.Quote(id)+". See the list of topics.")
		return
	}
	area, from, to, err := s.topicQuery(r)
	if err != nil {
		s.fail(w, r, &p, http.StatusUnprocessableEntity, "Cannot show these years", err.Error())
		return
	}
	d := &topicTablePage{base: base{Title: t.Label, User: &p, Section: "topics"}, Topic: t, From: from, To: to, Sex: "all"}
	if sx := r.URL.Query().Get("sex"); sx == "female" || sx == "male" {
		d.Sex = sx
	}
	for _, c := range s.d.Topics.Councils() {
		if a := s.areas.byCode[c]; a != nil {
			d.Councils = append(d.Councils, councilOption{c, a.Name})
		}
	}
	slices.SortFunc(d.Councils, func(a, b councilOption) int { return strings.Compare(a.Name, b.Name) })
	if area == "" && len(d.Councils) > 0 {
		area = d.Councils[0].Code
	}
	d.Area = area
	if a := s.areas.byCode[area]; a != nil {
		d.AreaName = a.Name
	}
	if !t.Tabulated {
		s.render(w, r, http.StatusOK, "topic", d)
		return
	}
	tab, err := s.d.Topics.TopicTable(id, []string{area}, from, to)
	if msg, ok := service.PublicMessage(err); ok {
		s.fail(w, r, &p, http.StatusUnprocessableEntity, "Cannot show this table", msg)
		return
	}
	if err != nil {
		s.failErr(w, r, &p, "topic", err)
		return
	}
	d.Studies, d.Notes = tab.Studies, tab.Notes
	d.Bands = t.Bands
	col := map[int]int{}
	for _, row := range tab.Rows {
		if _, ok := col[row.Year]; !ok {
			col[row.Year] = len(d.Years)
			d.Years = append(d.Years, row.Year)
		}
	}
	d.Cells = make([][]topicCell, len(d.Bands))
	for i := range d.Cells {
		d.Cells[i] = make([]topicCell, len(d.Years))
	}
	for _, row := range tab.Rows {
		b := slices.Index(d.Bands, row.Band)
		if row.Sex != d.Sex || b < 0 {
			continue
		}
		d.Cells[b][col[row.Year]] = topicCell{row.Count, row.Lo, row.Hi}
		if row.Lo != nil {
			d.HasRange = true
		}
	}
	q := "?area=" + area + "&from=" + strconv.Itoa(from) + "&to=" + strconv.Itoa(to)
	d.CSVURL, d.XLSXURL = "/topics/"+id+"/data.csv"+q, "/topics/"+id+"/data.xlsx"+q
	d.AllCSVURL = "/topics/" + id + "/data.csv?area=all&from=" + strconv.Itoa(from) + "&to=" + strconv.Itoa(to)
	s.render(w, r, http.StatusOK, "topic", d)
}

// topicData downloads a topic table as CSV or Excel (area=all: every council).
func (s *site) topicData(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	if s.d.Topics == nil {
		s.fail(w, r, &p, http.StatusServiceUnavailable, "No topics", "This server has no POPPI/PANSI topic rates.")
		return
	}
	id := r.PathValue("topic")
	area, from, to, err := s.topicQuery(r)
	if err != nil {
		s.fail(w, r, &p, http.StatusUnprocessableEntity, "Cannot download these years", err.Error())
		return
	}
	areas := []string{area}
	if area == "all" || area == "" {
		areas = s.d.Topics.Councils()
	}
	tab, err := s.d.Topics.TopicTable(id, areas, from, to)
	if errors.Is(err, service.ErrTopicNotFound) {
		s.fail(w, r, &p, http.StatusNotFound, "No such topic", "carecast holds no rates for a topic "+strconv.Quote(id)+".")
		return
	}
	if msg, ok := service.PublicMessage(err); ok {
		s.fail(w, r, &p, http.StatusUnprocessableEntity, "Cannot download this table", msg)
		return
	}
	if err != nil {
		s.failErr(w, r, &p, "topic", err)
		return
	}
	var buf bytes.Buffer
	name := "carecast-topic-" + id + "-" + area + "-" + strconv.Itoa(from) + "-" + strconv.Itoa(to)
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		err = tab.Sheet().WriteXLSX(&buf)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	} else {
		err = tab.Sheet().WriteCSV(&buf)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	}
	if err != nil {
		s.failErr(w, r, &p, "topic", err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}
