package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/internal/sqlrow"
)

// querier is what the pool and a pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgTx runs sqlrow's shared statements on PostgreSQL.
type pgTx struct{ q querier }

func (t pgTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (t pgTx) QueryRow(ctx context.Context, query string, args ...any) sqlrow.Scanner {
	return t.q.QueryRow(ctx, query, args...)
}

func (t pgTx) Query(ctx context.Context, query string, each func(sqlrow.Scanner) error, args ...any) error {
	rows, err := t.q.Query(ctx, query, args...)
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
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		out, err = sqlrow.VersionPublish(ctx, pgTx{tx}, read, v, max)
		return err
	})
	return out, err
}

// VersionGet implements store.Store.
func (s *Store) VersionGet(ctx context.Context, arn string) (*store.StateMachineVersion, error) {
	return sqlrow.VersionGet(ctx, pgTx{s.pool}, read, arn)
}

// VersionList implements store.Store.
func (s *Store) VersionList(ctx context.Context, machineARN string, before int64, limit int) ([]*store.StateMachineVersion, error) {
	return sqlrow.VersionList(ctx, pgTx{s.pool}, read, machineARN, before, limit)
}

// VersionDelete implements store.Store.
func (s *Store) VersionDelete(ctx context.Context, arn string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sqlrow.VersionDelete(ctx, pgTx{tx}, arn) })
}

// AliasCreate implements store.Store.
func (s *Store) AliasCreate(ctx context.Context, a *store.Alias) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sqlrow.AliasCreate(ctx, pgTx{tx}, read, a, isUnique) })
}

// AliasGet implements store.Store.
func (s *Store) AliasGet(ctx context.Context, arn string) (*store.Alias, error) {
	return sqlrow.AliasGet(ctx, pgTx{s.pool}, read, arn)
}

// AliasUpdate implements store.Store.
func (s *Store) AliasUpdate(ctx context.Context, a *store.Alias) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sqlrow.AliasUpdate(ctx, pgTx{tx}, read, a) })
}

// AliasDelete implements store.Store.
func (s *Store) AliasDelete(ctx context.Context, arn string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sqlrow.AliasDelete(ctx, pgTx{tx}, arn) })
}

// AliasList implements store.Store.
func (s *Store) AliasList(ctx context.Context, machineARN, after string, limit int) ([]*store.Alias, error) {
	return sqlrow.AliasList(ctx, pgTx{s.pool}, read, machineARN, after, limit)
}

// MapRunRedrive implements store.Store.
func (s *Store) MapRunRedrive(ctx context.Context, arn, token string, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sqlrow.MapRunRedrive(ctx, pgTx{tx}, arn, token, at) })
}
