package outbound

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
)

// Own is where stepd itself serves: the addresses no outbound request may
// connect to unless the configuration says so, since a definition could
// otherwise drive stepd's own API (delete another state machine, say). It is
// checked against the address a connection is made to, after names are
// resolved, so a name that resolves to stepd (localhost.example.com →
// 127.0.0.1, DNS rebinding) is caught too. Its methods may be called from
// several goroutines.
type Own struct {
	mu    sync.RWMutex
	addrs []netip.AddrPort // an unspecified address: every address of this machine; port 0: every port
	// local lists this machine's addresses; nil: its interfaces'.
	local func() ([]netip.Addr, error)
}

// NewOwn returns stepd's addresses as given to stepd serve --addr
// ("127.0.0.1:8083", ":8083", "localhost:8083", "[::]:0"). Until Set says
// where stepd listens, a name stands for every address of this machine and
// port 0 for every port, so that nothing slips through before it listens.
func NewOwn(listen ...string) *Own {
	o := &Own{}
	for _, l := range listen {
		host, port, err := net.SplitHostPort(l)
		ap, perr := netip.ParseAddrPort(l)
		switch {
		case perr == nil:
			o.addrs = append(o.addrs, ap)
		case err == nil:
			// A name or an empty host: every local address, on the port.
			n, _ := strconv.ParseUint(port, 10, 16) // not a number: every port
			if a, err := netip.ParseAddr(host); err == nil {
				o.addrs = append(o.addrs, netip.AddrPortFrom(a, uint16(n)))
			} else {
				o.addrs = append(o.addrs, netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(n)))
			}
		default:
			o.addrs = append(o.addrs, netip.AddrPortFrom(netip.IPv6Unspecified(), 0))
		}
	}
	return o
}

// Set says where stepd listens, once it does: the addresses of its
// listeners, which replace those NewOwn was given.
func (o *Own) Set(addrs ...net.Addr) {
	aps := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		if t, ok := a.(*net.TCPAddr); ok {
			aps = append(aps, t.AddrPort())
			continue
		}
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			ap = netip.AddrPortFrom(netip.IPv6Unspecified(), 0) // unknown: every local address
		}
		aps = append(aps, ap)
	}
	o.mu.Lock()
	o.addrs = aps
	o.mu.Unlock()
}

// Addrs returns stepd's addresses as Own knows them now.
func (o *Own) Addrs() []netip.AddrPort {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return append([]netip.AddrPort(nil), o.addrs...)
}

// Reaches reports whether a connection to dst reaches stepd, and which of
// its addresses it reaches. A listener on an unspecified address (":8083",
// "[::]:8083") is reached through every address of this machine — loopback,
// its interfaces' — on its port; connecting to an unspecified address reaches
// this machine itself.
func (o *Own) Reaches(dst netip.AddrPort) (netip.AddrPort, bool) {
	if o == nil {
		return netip.AddrPort{}, false
	}
	d := dst.Addr().WithZone("").Unmap()
	o.mu.RLock()
	defer o.mu.RUnlock()
	for _, l := range o.addrs {
		if l.Port() != 0 && l.Port() != dst.Port() {
			continue
		}
		la := l.Addr().WithZone("").Unmap()
		switch {
		case la == d, d.IsUnspecified():
			return l, true
		case la.IsUnspecified() && o.isLocal(d):
			return l, true
		}
	}
	return netip.AddrPort{}, false
}

// isLocal reports whether an address is one of this machine's.
func (o *Own) isLocal(a netip.Addr) bool {
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	local := o.local
	if local == nil {
		local = interfaceAddrs
	}
	addrs, err := local()
	if err != nil {
		return true // refused rather than let through unchecked
	}
	return slices.Contains(addrs, a)
}

// interfaceAddrs lists the addresses of this machine's interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if na, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, na.Unmap())
		}
	}
	return out, nil
}
