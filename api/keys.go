package api

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/store"
)

// Key describes an API key (never its secret).
type Key struct {
	ID           string     `json:"id" example:"key_abcdefghijklmnopqrstuvwxyz" doc:"Key ID."`
	Name         string     `json:"name" doc:"A label chosen when the key was created."`
	Role         store.Role `json:"role" enum:"viewer,planner,admin" doc:"What the key may do."`
	Organisation string     `json:"organisation" doc:"The key's organisation."`
	Created      time.Time  `json:"created"`
}

// NewKey is a key just created, with its secret.
type NewKey struct {
	Key
	Secret string `json:"secret" example:"cck_4Bz…" doc:"The key itself. It is shown only now: store it safely."`
}

// CreateKeyRequest asks for a new API key.
type CreateKeyRequest struct {
	Name string     `json:"name" minLength:"1" maxLength:"100" doc:"A label, e.g. who or what uses the key."`
	Role store.Role `json:"role" enum:"viewer,planner,admin" doc:"What the key may do."`
}

func keyBody(k store.Key) Key {
	return Key{ID: k.ID, Name: k.Name, Role: k.Role, Organisation: k.OrgName, Created: k.Created}
}

func (s *Service) registerKeys(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "create-key", Method: http.MethodPost, Path: "/keys", Tags: []string{"Keys"},
		Summary: "Create an API key", DefaultStatus: http.StatusCreated,
		Description: "Creates a key for your organisation and returns its secret once. Once any key exists, a " +
			"server that ran open (loopback, no keys) requires keys. An organisation may have a limited number " +
			"of keys (409 past it; delete one first).",
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, "key", store.RoleAdmin, func(ctx context.Context, in *struct {
		Body CreateKeyRequest
	}) (*struct {
		Body NewKey
	}, error) {
		if strings.ContainsRune(in.Body.Name, utf8.RuneError) {
			// encoding/json turns invalid UTF-8 into U+FFFD: refuse rather than store a changed name.
			return nil, huma.Error422UnprocessableEntity("invalid key request", &huma.ErrorDetail{Location: "body.name",
				Message: "not valid UTF-8 (or contains U+FFFD, the replacement character)", Value: in.Body.Name})
		}
		k, secret, err := s.svc.CreateKey(ctx, caller(ctx), in.Body.Role, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &struct{ Body NewKey }{Body: NewKey{Key: keyBody(k), Secret: secret}}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "list-keys", Method: http.MethodGet, Path: "/keys", Tags: []string{"Keys"},
		Summary: "List API keys", Description: "Your organisation's keys, oldest first (without secrets).",
	}, "key", store.RoleAdmin, func(ctx context.Context, _ *struct{}) (*listOutput[Key], error) {
		ks, err := s.svc.Keys(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		out := newList[Key]("")
		for _, k := range ks {
			out.Body.Items = append(out.Body.Items, keyBody(k))
		}
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "delete-key", Method: http.MethodDelete, Path: "/keys/{id}", Tags: []string{"Keys"},
		Summary: "Delete an API key", DefaultStatus: http.StatusNoContent,
		Description: "The key stops working at once.",
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "key", store.RoleAdmin, func(ctx context.Context, in *struct {
		ID string `path:"id" pattern:"^key_[a-z2-7]{26}$" doc:"Key ID."`
	}) (*struct{}, error) {
		if err := s.svc.DeleteKey(ctx, caller(ctx), in.ID); err != nil {
			return nil, err
		}
		return &struct{}{}, nil
	})
}
