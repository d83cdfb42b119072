package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/internal/sqlrow"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqlTx runs sqlrow's shared statements on SQLite: their $N placeholders
// become ?N.
type sqlTx struct{ q querier }

func numbered(query string) string { return strings.ReplaceAll(query, "$", "?") }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.q.ExecContext(ctx, numbered(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) QueryRow(ctx context.Context, query string, args ...any) sqlrow.Scanner {
	return t.q.QueryRowContext(ctx, numbered(query), args...)
}

func (t sqlTx) Query(ctx context.Context, query string, each func(sqlrow.Scanner) error, args ...any) error {
	rows, err := t.q.QueryContext(ctx, numbered(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// VersionPublish implements store.Store.
func (s *Store) VersionPublish(ctx context.Context, v *store.StateMachineVersion, max int) (out *store.StateMachineVersion, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		out, err = sqlrow.VersionPublish(ctx, sqlTx{tx}, read, v, max)
		return err
	})
	return out, err
}

// VersionGet implements store.Store.
func (s *Store) VersionGet(ctx context.Context, arn string) (*store.StateMachineVersion, error) {
	return sqlrow.VersionGet(ctx, sqlTx{s.r}, read, arn)
}

// VersionList implements store.Store.
func (s *Store) VersionList(ctx context.Context, machineARN string, before int64, limit int) ([]*store.StateMachineVersion, error) {
	return sqlrow.VersionList(ctx, sqlTx{s.r}, read, machineARN, before, limit)
}

// VersionDelete implements store.Store.
func (s *Store) VersionDelete(ctx context.Context, arn string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return sqlrow.VersionDelete(ctx, sqlTx{tx}, arn) })
}

// AliasCreate implements store.Store.
func (s *Store) AliasCreate(ctx context.Context, a *store.Alias) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return sqlrow.AliasCreate(ctx, sqlTx{tx}, read, a, isUnique) })
}

// AliasGet implements store.Store.
func (s *Store) AliasGet(ctx context.Context, arn string) (*store.Alias, error) {
	return sqlrow.AliasGet(ctx, sqlTx{s.r}, read, arn)
}

// AliasUpdate implements store.Store.
func (s *Store) AliasUpdate(ctx context.Context, a *store.Alias) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return sqlrow.AliasUpdate(ctx, sqlTx{tx}, read, a) })
}

// AliasDelete implements store.Store.
func (s *Store) AliasDelete(ctx context.Context, arn string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return sqlrow.AliasDelete(ctx, sqlTx{tx}, arn) })
}

// AliasList implements store.Store.
func (s *Store) AliasList(ctx context.Context, machineARN, after string, limit int) ([]*store.Alias, error) {
	return sqlrow.AliasList(ctx, sqlTx{s.r}, read, machineARN, after, limit)
}

// MapRunRedrive implements store.Store.
func (s *Store) MapRunRedrive(ctx context.Context, arn, token string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return sqlrow.MapRunRedrive(ctx, sqlTx{tx}, arn, token, at) })
}
