package awsapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/stepd/stepd/store"
)

type tagInput struct {
	ResourceArn *string    `json:"resourceArn"`
	Tags        []tagEntry `json:"tags"`
	TagKeys     []*string  `json:"tagKeys"`
}

type tagOutput struct {
	Tags []tagEntry `json:"tags"`
}

// taggable decodes a tagging request and checks that its resource, a state
// machine or an activity, exists (ResourceNotFound otherwise).
func (h *Handler) taggable(ctx context.Context, body []byte, in *tagInput, check func(*validation)) error {
	if err := decode(body, in); err != nil {
		return err
	}
	var v validation
	v.required("resourceArn", in.ResourceArn != nil)
	v.length("resourceArn", in.ResourceArn, 1, maxARN, false)
	if check != nil {
		check(&v)
	}
	if err := v.err(); err != nil {
		return err
	}
	a, err := parseARN(*in.ResourceArn, typeStateMachine, typeActivity)
	if err != nil {
		return err
	}
	if h.foreign(ctx, *in.ResourceArn) {
		return resourceNotFound(*in.ResourceArn)
	}
	if a.Type == typeActivity {
		_, err = h.store.ActivityGet(ctx, *in.ResourceArn)
	} else {
		_, err = h.store.StateMachineGet(ctx, *in.ResourceArn)
	}
	if errors.Is(err, store.ErrNotFound) {
		return resourceNotFound(*in.ResourceArn)
	}
	return err
}

func (h *Handler) tagResource(ctx context.Context, body []byte) (any, error) {
	var in tagInput
	err := h.taggable(ctx, body, &in, func(v *validation) {
		v.required("tags", in.Tags != nil)
		checkTags(v, "tags", in.Tags)
	})
	if err != nil {
		return nil, err
	}
	have, err := h.store.TagsList(ctx, *in.ResourceArn)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, t := range have {
		keys[t.Key] = true
	}
	for _, t := range in.Tags {
		keys[*t.Key] = true
	}
	if len(keys) > maxTags {
		return nil, tooManyTags(*in.ResourceArn)
	}
	if err := h.store.TagsSet(ctx, *in.ResourceArn, storeTags(in.Tags)); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *Handler) untagResource(ctx context.Context, body []byte) (any, error) {
	var in tagInput
	err := h.taggable(ctx, body, &in, func(v *validation) {
		v.required("tagKeys", in.TagKeys != nil)
		for i, k := range in.TagKeys {
			field := "tagKeys." + strconv.Itoa(i+1) + ".member"
			v.required(field, k != nil)
			v.length(field, k, 1, 128, false)
		}
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(in.TagKeys))
	for i, k := range in.TagKeys {
		keys[i] = *k
	}
	if err := h.store.TagsRemove(ctx, *in.ResourceArn, keys); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *Handler) listTagsForResource(ctx context.Context, body []byte) (any, error) {
	var in tagInput
	if err := h.taggable(ctx, body, &in, nil); err != nil {
		return nil, err
	}
	tags, err := h.store.TagsList(ctx, *in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := tagOutput{Tags: make([]tagEntry, len(tags))}
	for i := range tags {
		out.Tags[i] = tagEntry{Key: &tags[i].Key, Value: &tags[i].Value}
	}
	return out, nil
}
