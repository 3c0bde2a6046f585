package dataset

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/secret"
)

// SQL is a database table, or query, as a source.
type SQL struct {
	Driver string // "pgx" or "mysql"
	dsn    string // with the password: never printed
	mysql  *mysql.Config
	Query  string
	// TableName is the table named by ?table= whose rows Query reads ("" for
	// a query of the user's).
	TableName string
	// Display is the source for messages, its password hidden.
	Display string
	secret  string
}

// ErrDatabase: a database could not be reached or queried (exit status 3
// as any runtime failure; messages never hold the password).
var ErrDatabase = errors.New("database")

// ErrTransient: a database error that trying again may cure (a connection
// refused, reset or timed out, a server starting or shutting down, too
// many connections, a deadlock or serialization failure). Such an error
// is an ErrDatabase too.
var ErrTransient = errors.New("transient database error")

// dbError is a database error with its password hidden.
type dbError struct {
	msg       string
	transient bool
}

func (e *dbError) Error() string { return e.msg }

func (e *dbError) Is(target error) bool {
	return target == ErrDatabase || target == ErrTransient && e.transient
}

// transient says whether a driver error may pass if tried again.
func transient(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "53") { // connection exception, insufficient resources
			return true
		}
		switch pg.Code {
		case "57P01", "57P02", "57P03", "40001", "40P01": // shutdown, cannot connect now, serialization failure, deadlock
			return true
		}
		return false
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1040, 1053, 1205, 1213, 2002, 2003, 2006, 2013: // too many connections, shutdown, lock wait, deadlock, lost connection
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		pgconn.Timeout(err)
}

// IsDatabaseURI reports whether a source names a database.
func IsDatabaseURI(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || strings.HasPrefix(s, "mysql://")
}

// ParseDatabaseURI reads
//
//	postgres://user[:password]@host:port/db?table=schema.name
//	mysql://user[:password]@tcp(host:port)/db?table=name
//
// with query instead of the table when given. A password missing from the
// URI comes from the parameter password=env:VAR, password=file:PATH or
// password=ssm:/path (a reference secrets resolves: an environment
// variable, a file, an SSM parameter), from the older password_env=VAR and
// password_file=PATH, or from the drivers' own PGPASSWORD / MYSQL_PWD. A
// password= that is no reference is the password itself, as the drivers
// take it.
func ParseDatabaseURI(ctx context.Context, uri, query string, secrets *secret.Resolver) (*SQL, error) {
	scheme, rest, _ := strings.Cut(uri, "://")
	userinfo, hostpath, ok := strings.Cut(rest, "@")
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		userinfo, hostpath, ok = rest[:i], rest[i+1:], true
	}
	if !ok {
		userinfo, hostpath = "", rest
	}
	user, password, _ := strings.Cut(userinfo, ":")
	if u, err := url.PathUnescape(password); err == nil {
		password = u
	}
	pathPart, rawQuery, _ := strings.Cut(hostpath, "?")
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, catalog.Invalidf("database URI: %v", err)
	}
	table := params.Get("table")
	params.Del("table")
	if secrets == nil {
		secrets = &secret.Resolver{}
	}
	// One reference at most: password=REF, password_env=VAR or
	// password_file=PATH.
	var refs []secret.Ref
	if p := params.Get("password"); secret.IsRef(p) {
		ref, err := secret.Parse(p)
		if err != nil {
			return nil, catalog.Invalidf("database URI: password: %v", err)
		}
		refs = append(refs, ref)
		params.Del("password")
	}
	if env := params.Get("password_env"); env != "" {
		refs = append(refs, secret.Ref{Kind: secret.Env, Name: env})
		params.Del("password_env")
	}
	if file := params.Get("password_file"); file != "" {
		refs = append(refs, secret.Ref{Kind: secret.File, Name: file})
		params.Del("password_file")
	}
	switch {
	case len(refs) > 1:
		return nil, catalog.Invalidf("database URI: password: give one of password=, password_env= and password_file=, not %d", len(refs))
	case len(refs) == 1:
		v, err := secrets.ResolveRef(ctx, refs[0])
		if err != nil {
			return nil, fmt.Errorf("database URI: password: %w", err)
		}
		password = v
	}
	s := &SQL{secret: password}
	display := scheme + "://" + user
	if password != "" {
		display += ":" + redact.Mask
	}
	display += "@" + pathPart
	if table != "" {
		display += "?table=" + table
	}
	s.Display = display
	switch scheme {
	case "postgres", "postgresql":
		s.Driver = "pgx"
		u := url.URL{Scheme: "postgres", Host: strings.SplitN(pathPart, "/", 2)[0], Path: "/" + strings.SplitN(pathPart+"/", "/", 2)[1], RawQuery: params.Encode()}
		u.Path = strings.TrimSuffix(u.Path, "/")
		if password != "" {
			u.User = url.UserPassword(user, password)
		} else if user != "" {
			u.User = url.User(user)
		}
		s.dsn = u.String()
		if table != "" && query == "" {
			query = "SELECT * FROM " + quoteIdent(table, '"')
			s.TableName = table
		}
	case "mysql":
		s.Driver = "mysql"
		cfg := mysql.NewConfig()
		cfg.User = user
		cfg.Passwd = password
		if cfg.Passwd == "" {
			cfg.Passwd = secrets.Env("MYSQL_PWD")
			s.secret = cfg.Passwd
		}
		addr, db, _ := strings.Cut(pathPart, "/")
		if strings.HasPrefix(addr, "tcp(") && strings.HasSuffix(addr, ")") {
			addr = addr[4 : len(addr)-1]
		}
		cfg.Net, cfg.Addr, cfg.DBName = "tcp", addr, db
		cfg.ParseTime = true
		cfg.Logger = &mysql.NopLogger{} // errors are returned; the driver prints nothing
		// The session in UTC: TIMESTAMP values are read as the instants
		// they are, whatever the server's zone (cfg.Loc is UTC).
		cfg.Params = map[string]string{"time_zone": "'+00:00'"}
		for k := range params {
			cfg.Params[k] = params.Get(k)
		}
		s.dsn, s.mysql = cfg.FormatDSN(), cfg
		if table != "" && query == "" {
			query = "SELECT * FROM " + quoteIdent(table, '`')
			s.TableName = table
		}
	default:
		return nil, catalog.Invalidf("database URI %q: want postgres:// or mysql://", s.Display)
	}
	if query == "" {
		return nil, catalog.Invalidf("%s: name a table (?table=NAME) or give a query", s.Display)
	}
	s.Query = query
	return s, nil
}

// quoteIdent quotes each part of schema.name.
func quoteIdent(name string, q byte) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = string(q) + strings.ReplaceAll(p, string(q), string(q)+string(q)) + string(q)
	}
	return strings.Join(parts, ".")
}

// redact hides the password in a message.
func (s *SQL) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := redact.Text(redact.Secret(err.Error(), s.secret))
	return &dbError{msg: s.Display + ": " + msg + ": " + ErrDatabase.Error(), transient: transient(err)}
}

// openDB opens the database (connecting when first used).
func (s *SQL) openDB() (*sql.DB, error) {
	if s.mysql != nil {
		c, err := mysql.NewConnector(s.mysql)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(c), nil
	}
	return sql.Open(s.Driver, s.dsn)
}

// Open connects and returns the rows of the query.
func (s *SQL) Open(ctx context.Context) (*sql.DB, *sql.Rows, error) {
	db, err := s.openDB()
	if err != nil {
		return nil, nil, s.redact(err)
	}
	rows, err := db.QueryContext(ctx, s.Query)
	if err != nil {
		db.Close()
		return nil, nil, s.redact(err)
	}
	return db, rows, nil
}

// ConnectPostgres opens a native connection to a PostgreSQL source, for
// reading it with COPY; errors are redacted.
func (s *SQL) ConnectPostgres(ctx context.Context) (*pgconn.PgConn, error) {
	if s.Driver != "pgx" {
		return nil, fmt.Errorf("%s: not a PostgreSQL source", s.Display)
	}
	conn, err := pgconn.Connect(ctx, s.dsn)
	if err != nil {
		return nil, s.redact(err)
	}
	return conn, nil
}

// String is the source as shown to people, its password hidden: a source
// formatted with %v or %+v never prints its connection string.
func (s *SQL) String() string { return s.Display }

// GoString hides the password from %#v too.
func (s *SQL) GoString() string { return fmt.Sprintf("dataset.SQL(%q)", s.Display) }

// Redact hides the password in an error of this source.
func (s *SQL) Redact(err error) error { return s.redact(err) }

// Table describes the query's result as a table (columns and types from
// the result's metadata), read by running it with no rows.
func (s *SQL) Table(ctx context.Context) (*catalog.Table, error) {
	db, err := s.openDB()
	if err != nil {
		return nil, s.redact(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT * FROM ("+s.Query+") lakectl_q WHERE 1=0")
	if err != nil {
		return nil, s.redact(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, s.redact(err)
	}
	t := &catalog.Table{Name: "query", Parameters: map[string]string{catalog.ParamClassification: "sql"}}
	t.StorageDescriptor.Location = s.Display
	var src []string
	for _, ct := range types {
		src = append(src, ct.Name())
	}
	names := format.HeaderNames(src) // as CSV headers: sanitised, repeats suffixed
	for i, ct := range types {
		col := catalog.Column{Name: names[i], Type: HiveType(ct.DatabaseTypeName())}
		if col.Name != ct.Name() {
			col.Parameters = map[string]string{catalog.ParamSourceName: ct.Name()}
		}
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, col)
	}
	return t, nil
}

// HiveType maps a database column type to the Hive type lakectl uses.
func HiveType(dbType string) string {
	t := strings.ToUpper(dbType)
	t = strings.TrimPrefix(t, "UNSIGNED ")
	switch t {
	case "INT2", "INT4", "INT8", "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "SERIAL", "BIGSERIAL", "YEAR":
		return "bigint"
	case "FLOAT4", "FLOAT8", "FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION":
		return "double"
	case "NUMERIC", "DECIMAL":
		return "decimal(38,10)"
	case "BOOL", "BOOLEAN":
		return "boolean"
	case "DATE":
		return "date"
	case "TIMESTAMP", "TIMESTAMPTZ", "DATETIME":
		return "timestamp"
	}
	return "string"
}
