package decisionlog_test

import "net/url"

// withDatabase points a postgres:// DSN at another database.
func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}
