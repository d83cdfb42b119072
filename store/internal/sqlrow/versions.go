package sqlrow

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/stepd/stepd/store"
)

// Tx is a driver's connection or transaction as the statements of versions
// and aliases use it. The statements are written once, in the SQL that SQLite
// and PostgreSQL share, with $N placeholders (a SQLite adapter turns them into
// ?N): their logic is the same in both, and only the placeholders would differ.
type Tx interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	QueryRow(ctx context.Context, query string, args ...any) Scanner
	// Query calls each for every row, in order.
	Query(ctx context.Context, query string, each func(Scanner) error, args ...any) error
}

// VersionPublish implements store.Store's VersionPublish in tx.
func VersionPublish(ctx context.Context, tx Tx, r Reader, v *store.StateMachineVersion, max int) (*store.StateMachineVersion, error) {
	// The no-op update takes the machine's row lock (PostgreSQL) before its
	// counter is read, so that two publishes do not take the same number.
	n, err := tx.Exec(ctx, `UPDATE state_machines SET versions_published = versions_published WHERE arn = $1`, v.MachineARN)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, store.ErrNotFound
	}
	var revision string
	var published int64
	if err := r.scan(tx.QueryRow(ctx, `SELECT revision_id, versions_published FROM state_machines WHERE arn = $1`, v.MachineARN), &revision, &published); err != nil {
		return nil, err
	}
	if revision != v.RevisionID {
		return nil, store.ErrConflict
	}
	latest, err := r.Version(tx.QueryRow(ctx, `SELECT `+VersionColumns+` FROM machine_versions WHERE machine_arn = $1 ORDER BY version DESC LIMIT 1`, v.MachineARN))
	switch {
	case err == nil && latest.RevisionID == v.RevisionID:
		return latest, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if max > 0 {
		var count int64
		if err := r.scan(tx.QueryRow(ctx, `SELECT COUNT(*) FROM machine_versions WHERE machine_arn = $1`, v.MachineARN), &count); err != nil {
			return nil, err
		}
		if count >= int64(max) {
			return nil, store.ErrLimit
		}
	}
	nv := *v
	nv.Version = published + 1
	nv.ARN = v.MachineARN + ":" + strconv.FormatInt(nv.Version, 10)
	if _, err := tx.Exec(ctx, `UPDATE state_machines SET versions_published = $1 WHERE arn = $2`, nv.Version, v.MachineARN); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO machine_versions (`+VersionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		nv.ARN, nv.MachineARN, nv.Version, nv.RevisionID, nv.Description, nv.RoleARN, nv.Logging, nv.Tracing, Millis(nv.CreatedAt)); err != nil {
		return nil, err
	}
	return &nv, nil
}

// VersionGet implements store.Store's VersionGet.
func VersionGet(ctx context.Context, tx Tx, r Reader, arn string) (*store.StateMachineVersion, error) {
	return r.Version(tx.QueryRow(ctx, `SELECT `+VersionColumns+` FROM machine_versions WHERE arn = $1`, arn))
}

// VersionList implements store.Store's VersionList.
func VersionList(ctx context.Context, tx Tx, r Reader, machineARN string, before int64, limit int) ([]*store.StateMachineVersion, error) {
	if before <= 0 {
		before = 1 << 62
	}
	var out []*store.StateMachineVersion
	err := tx.Query(ctx, `SELECT `+VersionColumns+` FROM machine_versions WHERE machine_arn = $1 AND version < $2 ORDER BY version DESC LIMIT $3`,
		func(row Scanner) error {
			v, err := r.Version(row)
			if err == nil {
				out = append(out, v)
			}
			return err
		}, machineARN, before, limit)
	return out, err
}

// VersionDelete implements store.Store's VersionDelete in tx.
func VersionDelete(ctx context.Context, tx Tx, arn string) error {
	var aliases []string
	err := tx.Query(ctx, `SELECT a.name FROM alias_routes r JOIN machine_aliases a ON a.arn = r.alias_arn WHERE r.version_arn = $1 ORDER BY a.name`,
		func(row Scanner) error {
			var name string
			err := row.Scan(&name)
			aliases = append(aliases, name)
			return err
		}, arn)
	if err != nil {
		return err
	}
	if len(aliases) > 0 {
		return &store.VersionInUseError{Aliases: aliases}
	}
	n, err := tx.Exec(ctx, `DELETE FROM machine_versions WHERE arn = $1`, arn)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	_, err = tx.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1`, arn)
	return err
}

// routesSet checks that an alias's versions exist and replaces its routes.
func routesSet(ctx context.Context, tx Tx, r Reader, a *store.Alias) error {
	if _, err := tx.Exec(ctx, `DELETE FROM alias_routes WHERE alias_arn = $1`, a.ARN); err != nil {
		return err
	}
	for i, rt := range a.Routing {
		var one int
		if err := r.scan(tx.QueryRow(ctx, `SELECT 1 FROM machine_versions WHERE arn = $1 AND machine_arn = $2`, rt.VersionARN, a.MachineARN), &one); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alias_routes (alias_arn, position, version_arn, weight) VALUES ($1, $2, $3, $4)`,
			a.ARN, i, rt.VersionARN, rt.Weight); err != nil {
			return err
		}
	}
	return nil
}

// AliasCreate implements store.Store's AliasCreate in tx; isUnique tells the
// driver's unique violation.
func AliasCreate(ctx context.Context, tx Tx, r Reader, a *store.Alias, isUnique func(error) bool) error {
	var one int
	if err := r.scan(tx.QueryRow(ctx, `SELECT 1 FROM state_machines WHERE arn = $1`, a.MachineARN), &one); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO machine_aliases (`+AliasColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ARN, a.MachineARN, a.Name, a.Description, Millis(a.CreatedAt), Millis(a.UpdatedAt))
	if err != nil {
		if isUnique(err) {
			return store.ErrExists
		}
		return err
	}
	return routesSet(ctx, tx, r, a)
}

// AliasGet implements store.Store's AliasGet.
func AliasGet(ctx context.Context, tx Tx, r Reader, arn string) (*store.Alias, error) {
	a, err := r.Alias(tx.QueryRow(ctx, `SELECT `+AliasColumns+` FROM machine_aliases WHERE arn = $1`, arn))
	if err != nil {
		return nil, err
	}
	err = tx.Query(ctx, `SELECT version_arn, weight FROM alias_routes WHERE alias_arn = $1 ORDER BY position`, func(row Scanner) error {
		rt, err := r.Route(row)
		a.Routing = append(a.Routing, rt)
		return err
	}, arn)
	return a, err
}

// AliasUpdate implements store.Store's AliasUpdate in tx.
func AliasUpdate(ctx context.Context, tx Tx, r Reader, a *store.Alias) error {
	n, err := tx.Exec(ctx, `UPDATE machine_aliases SET description = $1, updated_ms = $2 WHERE arn = $3`, a.Description, Millis(a.UpdatedAt), a.ARN)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return routesSet(ctx, tx, r, a)
}

// AliasDelete implements store.Store's AliasDelete in tx.
func AliasDelete(ctx context.Context, tx Tx, arn string) error {
	n, err := tx.Exec(ctx, `DELETE FROM machine_aliases WHERE arn = $1`, arn)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	if _, err := tx.Exec(ctx, `DELETE FROM alias_routes WHERE alias_arn = $1`, arn); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1`, arn)
	return err
}

// AliasList implements store.Store's AliasList.
func AliasList(ctx context.Context, tx Tx, r Reader, machineARN, after string, limit int) ([]*store.Alias, error) {
	var names []string
	err := tx.Query(ctx, `SELECT arn FROM machine_aliases WHERE machine_arn = $1 AND name > $2 ORDER BY name LIMIT $3`, func(row Scanner) error {
		var arn string
		err := row.Scan(&arn)
		names = append(names, arn)
		return err
	}, machineARN, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*store.Alias, 0, len(names))
	for _, arn := range names {
		a, err := AliasGet(ctx, tx, r, arn)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// MapRunRedrive implements store.Store's MapRunRedrive in tx.
func MapRunRedrive(ctx context.Context, tx Tx, arn, token string, at time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE map_runs SET token = $1, status = 'RUNNING', error = '', cause = '', stop_ms = 0,
		redrive_count = redrive_count + 1, redrive_ms = $2 WHERE arn = $3`, token, Millis(at), arn)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	_, err = tx.Exec(ctx, `UPDATE map_items SET status = $1, child = '', output = NULL, error = '', cause = ''
		WHERE run = $2 AND status IN ($3, $4, $5)`, string(store.MapItemPending), arn,
		string(store.MapItemFailed), string(store.MapItemAborted), string(store.MapItemTimedOut))
	return err
}
