package outbound

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestParseHostsRefusesWhatIsNotAPattern(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]string{
		"https://api.example.com/x": `give a host ("api.example.com"), not a URL`,
		"api.example.com/x":         "not a host, host:port or CIDR range",
		"10.0.0.0/33":               "not a host, host:port or CIDR range",
		"api-*.example.com":         `a wildcard is only "*" alone or a first label "*."`,
		"*example.com":              `a wildcard is only`,
		"api.example.com:0":         `the port "0" is not a number from 1 to 65535`,
		"api.example.com:99999":     `the port "99999"`,
		"api.example.com:http":      `the port "http"`,
		"a:b:c":                     "not a host or host:port",
		"exa mple.com":              "not a host name",
		"":                          "not a host name",
	} {
		_, err := ParseHosts([]string{"ok.example.com", pattern})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"`+pattern+`"`) {
			t.Errorf("ParseHosts(%q) = %v, want an error naming it with %q", pattern, err, want)
		}
	}
}

func TestHostsAllows(t *testing.T) {
	t.Parallel()
	h, err := ParseHosts([]string{"api.example.com", "pay.example.com:8443", "*.internal.example.org", "*.svc:9000",
		"10.1.2.3", "[fd00::1]:80", "192.168.0.0/16", "fd00:1::/32", "::2", "Upper.Example.COM."})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://api.example.com/x", true},
		{"http://api.example.com:8080/x", true}, // no port: any port
		{"https://API.Example.com./x", true},
		{"https://evil.api.example.com/", false}, // an exact name is not a suffix
		{"https://example.com/", false},
		{"https://pay.example.com:8443/", true},
		{"https://pay.example.com/", false}, // 443 is not 8443
		{"http://a.internal.example.org/", true},
		{"http://a.b.internal.example.org:1234/", true},
		{"http://internal.example.org/", false}, // "*." is not the domain itself
		{"http://evilinternal.example.org/", false},
		{"http://orders.svc:9000/", true},
		{"http://orders.svc/", false},
		{"http://10.1.2.3:9999/", true},
		{"http://10.1.2.4/", false},
		{"http://[fd00::1]/", true},
		{"http://[fd00::1]:81/", false},
		{"http://[::ffff:10.1.2.3]/", true}, // IPv4-mapped is the IPv4 address
		{"http://192.168.7.7/", true},
		{"http://192.169.0.1/", false},
		{"http://[fd00:1:2::3]:5/", true},
		{"http://[::2]/", true},
		{"http://upper.example.com/", true},
		{"http://localhost/", false},
		{"http://127.0.0.1/", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Allows(u.Hostname(), port(u)); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if (Hosts{}).Allows("api.example.com", "443") {
		t.Error("the zero Hosts allows a host")
	}
	if any, _ := ParseHosts([]string{"*"}); !any.Allows("anything.example", "1") || !any.Allows("127.0.0.1", "8083") {
		t.Error(`"*" does not allow every host`)
	}
}

func TestOwnReaches(t *testing.T) {
	t.Parallel()
	local := func() ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("2001:db8::7")}, nil
	}
	ap := netip.MustParseAddrPort
	tests := []struct {
		name   string
		listen string
		dst    string
		want   bool
	}{
		{"the address itself", "127.0.0.1:8083", "127.0.0.1:8083", true},
		{"another port", "127.0.0.1:8083", "127.0.0.1:8084", false},
		{"another loopback address", "127.0.0.1:8083", "127.0.0.2:8083", false},
		{"IPv4-mapped", "127.0.0.1:8083", "[::ffff:127.0.0.1]:8083", true},
		{"the unspecified address reaches this machine", "127.0.0.1:8083", "0.0.0.0:8083", true},
		{"a wildcard listener: loopback", ":8083", "127.9.9.9:8083", true},
		{"a wildcard listener: IPv6 loopback", "0.0.0.0:8083", "[::1]:8083", true},
		{"a wildcard listener: an interface's address", "[::]:8083", "192.0.2.7:8083", true},
		{"a wildcard listener: an interface's IPv6 address", "[::]:8083", "[2001:db8::7]:8083", true},
		{"a wildcard listener: another machine", "[::]:8083", "192.0.2.8:8083", false},
		{"a wildcard listener: another port", "[::]:8083", "127.0.0.1:9000", false},
		{"a name before listening is every local address", "localhost:8083", "192.0.2.7:8083", true},
		{"port 0 before listening is every port", "127.0.0.1:0", "127.0.0.1:1234", true},
	}
	for _, tt := range tests {
		o := NewOwn(tt.listen)
		o.local = local
		if _, got := o.Reaches(ap(tt.dst)); got != tt.want {
			t.Errorf("%s: listening on %s, Reaches(%s) = %v, want %v", tt.name, tt.listen, tt.dst, got, tt.want)
		}
	}
	o := NewOwn("127.0.0.1:0")
	o.Set(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4321})
	if _, ok := o.Reaches(ap("127.0.0.1:1234")); ok {
		t.Error("after Set, port 0 still stands for every port")
	}
	if _, ok := o.Reaches(ap("127.0.0.1:4321")); !ok {
		t.Error("after Set, the port it listens on is not stepd's")
	}
	if _, ok := (*Own)(nil).Reaches(ap("127.0.0.1:1")); ok {
		t.Error("a nil Own reaches an address")
	}
}

func BenchmarkHostsAllows(b *testing.B) {
	h, err := ParseHosts([]string{"api.example.com", "pay.example.com:8443", "*.internal.example.org", "10.0.0.0/8", "fd00::1"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !h.Allows("orders.internal.example.org", "443") || h.Allows("evil.example.net", "443") {
			b.Fatal("wrong answer")
		}
	}
}
