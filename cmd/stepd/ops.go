package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/stepd/stepd/config"
)

// configCommand is "stepd config check FILE": validate a configuration
// file (its schema, and what serve would build from it) without serving.
func configCommand(_ context.Context, args []string, io *streams) error {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintln(io.out, "Usage: stepd config check FILE\n\nValidate a configuration file: unknown fields, wrong types and bad values are errors that name the field.")
			return nil
		}
		return usageErr("usage: stepd config check FILE")
	}
	fs := newFlagSet("stepd config check", "stepd config check FILE\n\nValidate a configuration file: unknown fields, wrong types and bad values are errors that name the field.", io)
	files, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usageErr("config check takes exactly one FILE")
	}
	if _, err := config.Load(files[0]); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	t, err := loadTasks(files[0], taskOptions{})
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	t.Close()
	fmt.Fprintln(io.out, files[0]+": ok")
	return nil
}

// healthcheckCommand is "stepd healthcheck": GET a probe of a running stepd
// and exit 0 when it answers 200. An image built FROM scratch has no curl,
// so its HEALTHCHECK runs this.
func healthcheckCommand(ctx context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd healthcheck", "stepd healthcheck [--url URL]\n\nProbe a running stepd: exit 0 when the URL answers 200 OK, 1 otherwise.", io)
	url := fs.String("url", "http://127.0.0.1:8083/healthz", "the probe's `URL` (/healthz: the process serves; /readyz: it takes work and its store answers)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long the probe may take")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageErr("--url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, msg: "healthcheck: " + err.Error()}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: 1, msg: fmt.Sprintf("healthcheck: %s answered %s", *url, resp.Status)}
	}
	fmt.Fprintln(io.out, "ok")
	return nil
}
