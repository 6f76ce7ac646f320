package guardrails

import (
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// adminPorts are the ports that must never be open to the internet, with
// the protocols they listen on.
var adminPorts = []struct {
	port   int
	protos []string
	name   string
}{
	{22, []string{"tcp"}, "SSH"},
	{3389, []string{"tcp", "udp"}, "RDP"},
	{5985, []string{"tcp"}, "WinRM"},
	{5986, []string{"tcp"}, "WinRM"},
}

// The internet, for this rule: a port is open to it when the ranges that
// may reach it hold at least a /8 worth of public IPv4 addresses
// (16,777,216), or a /32 worth of global unicast IPv6 (2000::/3). Private
// and reserved ranges (RFC 1918, CGNAT, loopback, link-local, multicast)
// are not counted: 10.0.0.0/8 is the VPC's own world.
var (
	ipv4Internet = new(big.Int).Lsh(big.NewInt(1), 24)
	ipv6Internet = new(big.Int).Lsh(big.NewInt(1), 96)
	notPublic4   = prefixes("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")
	public6      = prefixes("2000::/3")
)

func prefixes(ps ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// span is an inclusive range of addresses as integers.
type span struct{ lo, hi *big.Int }

func spanOf(p netip.Prefix) span {
	p = p.Masked()
	lo := new(big.Int).SetBytes(p.Addr().AsSlice())
	bits := p.Addr().BitLen()
	size := new(big.Int).Lsh(big.NewInt(1), uint(bits-p.Bits()))
	return span{lo, new(big.Int).Sub(new(big.Int).Add(lo, size), big.NewInt(1))}
}

// publicAddresses counts the addresses of the union of ranges that are
// public: for IPv4 all but notPublic4, for IPv6 those in public6.
func publicAddresses(ranges []netip.Prefix, v6 bool) *big.Int {
	var spans []span
	for _, p := range ranges {
		spans = append(spans, spanOf(p))
	}
	union := merge(spans)
	total := new(big.Int)
	if v6 {
		for _, s := range union {
			for _, pub := range public6 {
				total.Add(total, overlap(s, spanOf(pub)))
			}
		}
		return total
	}
	for _, s := range union {
		total.Add(total, new(big.Int).Add(new(big.Int).Sub(s.hi, s.lo), big.NewInt(1)))
		for _, priv := range notPublic4 {
			total.Sub(total, overlap(s, spanOf(priv)))
		}
	}
	return total
}

func merge(spans []span) []span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo.Cmp(spans[j].lo) < 0 })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.lo.Cmp(new(big.Int).Add(out[n-1].hi, big.NewInt(1))) <= 0 {
			if s.hi.Cmp(out[n-1].hi) > 0 {
				out[n-1].hi = s.hi
			}
			continue
		}
		out = append(out, span{new(big.Int).Set(s.lo), new(big.Int).Set(s.hi)})
	}
	return out
}

func overlap(a, b span) *big.Int {
	lo, hi := a.lo, a.hi
	if b.lo.Cmp(lo) > 0 {
		lo = b.lo
	}
	if b.hi.Cmp(hi) < 0 {
		hi = b.hi
	}
	if lo.Cmp(hi) > 0 {
		return new(big.Int)
	}
	return new(big.Int).Add(new(big.Int).Sub(hi, lo), big.NewInt(1))
}

// protocol names what EC2 accepts, by name or number, in any case.
func protocol(v Value) (string, bool) {
	var s string
	switch x := v.V.(type) {
	case string:
		s = strings.ToLower(strings.TrimSpace(x))
	case float64:
		s = strconv.Itoa(int(x))
	default:
		return "", false
	}
	switch s {
	case "-1", "all":
		return "all", true
	case "6", "tcp":
		return "tcp", true
	case "17", "udp":
		return "udp", true
	}
	return s, true
}

func portOf(v Value) (int, bool) {
	switch x := v.V.(type) {
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

// reach is what one ingress entry lets in.
type reach struct {
	path     string
	proto    string
	from, to int // -1: all ports
	prefix   netip.Prefix
	when     string
	conds    []string // the choices under which the entry lets it in
}

// checkOpenAdminPorts is HS-EC2-1. It reads every ingress entry of a
// security group (and every SecurityGroupIngress resource), each in every
// Fn::If alternative; an entry it cannot read is reported as unresolved at
// its own path, and does not stop it judging the others. Per admin port,
// it adds up the address ranges allowed to reach it, so that ranges which
// together cover the internet (0.0.0.0/1 and 128.0.0.0/1) count as open.
func checkOpenAdminPorts(r Resource, _ Context) []Verdict {
	t, j := r.tmpl(), &judge{}
	var entries []Item
	switch r.Type {
	case "AWS::EC2::SecurityGroup":
		entries = t.Items(r.Properties["SecurityGroupIngress"], "SecurityGroupIngress", false)
	case "AWS::EC2::SecurityGroupIngress":
		entries = []Item{{Value: Value{V: r.Properties}}}
	case "AWS::Lightsail::Instance":
		entries = lightsailEntries(t, r, j)
	case "AWS::GameLift::Fleet", "AWS::GameLift::ContainerFleet":
		// A fleet's inbound permissions are its firewall
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-gamelift-fleet-ippermission.html).
		key := "EC2InboundPermissions"
		if r.Type == "AWS::GameLift::ContainerFleet" {
			key = "InstanceInboundPermissions"
		}
		for _, p := range t.Items(r.Properties[key], key, false) {
			pm, isMap := p.V.(map[string]any)
			if !p.Known() || !isMap {
				entries = append(entries, p)
				continue
			}
			entries = append(entries, Item{Path: p.Path, Value: Value{V: map[string]any{
				"IpProtocol": pm["Protocol"], "FromPort": pm["FromPort"], "ToPort": pm["ToPort"], "CidrIp": pm["IpRange"]}, Conds: p.Conds}})
		}
	default:
		return nil
	}
	var reaches []reach
	for _, e := range entries {
		if !e.Known() {
			j.unresolved(e.Path, e.Value, "an ingress rule")
			continue
		}
		if _, ok := e.V.(map[string]any); !ok {
			e.Unknown = "not an object"
			j.unresolved(e.Path, e.Value, "an ingress rule")
			continue
		}
		reaches = append(reaches, entryReaches(t, e, j)...)
	}
	for _, ap := range adminPorts {
		for _, v6 := range []bool{false, true} {
			var candidates []reach
			for _, rc := range reaches {
				if rc.prefix.Addr().Is6() != v6 {
					continue
				}
				if rc.proto != "all" && !slices.Contains(ap.protos, rc.proto) {
					continue
				}
				if rc.proto != "all" && rc.from != -1 && (ap.port < rc.from || ap.port > rc.to) {
					continue
				}
				candidates = append(candidates, rc)
			}
			if len(candidates) == 0 {
				continue
			}
			limit := ipv4Internet
			if v6 {
				limit = ipv6Internet
			}
			// The entries that one deployment holds together (one value
			// of each condition and parameter), world by world; past
			// maxWorlds, all of them at once, which may report what no
			// deployment does, never the other way.
			var sets [][]string
			for _, rc := range candidates {
				sets = append(sets, rc.conds)
			}
			var open []reach
			complete := t.worlds(nil, sets, func(holds func([]string) bool) bool {
				var in []reach
				var ranges []netip.Prefix
				for _, rc := range candidates {
					if holds(rc.conds) {
						in, ranges = append(in, rc), append(ranges, rc.prefix)
					}
				}
				if len(ranges) > 0 && publicAddresses(ranges, v6).Cmp(limit) >= 0 {
					// Every open world's entries are the finding's, so that
					// a suppression for one world's covers no other's.
					for _, rc := range in {
						if !slices.ContainsFunc(open, func(o reach) bool { return o.path == rc.path && o.prefix == rc.prefix }) {
							open = append(open, rc)
						}
					}
				}
				return true
			})
			if !complete {
				// Too many deployments to judge one by one: all of them at
				// once, and said so, unless even that keeps the port closed.
				var ranges []netip.Prefix
				var paths []string
				for _, rc := range candidates {
					ranges, paths = append(ranges, rc.prefix), append(paths, rc.path)
				}
				if publicAddresses(ranges, v6).Cmp(limit) >= 0 {
					j.out = append(j.out, Verdict{Outcome: Unresolved, Path: strings.Join(uniq(paths), ", "),
						Message: fmt.Sprintf("who may reach port %d (%s) is not known at synth time (the entries' conditions and parameters make more than %d combinations to judge one by one)", ap.port, ap.name, maxWorlds)})
				}
				continue
			}
			if open != nil {
				var ranges []netip.Prefix
				var paths []string
				when := ""
				for _, rc := range open {
					ranges, paths = append(ranges, rc.prefix), append(paths, rc.path)
					if rc.when != "" {
						when = rc.when
					}
				}
				// Only the entries that let public addresses in are part
				// of the finding (a suppression for them covers it).
				var names, open []string
				for i, p := range ranges {
					if publicAddresses([]netip.Prefix{p}, v6).Sign() > 0 {
						names, open = append(names, p.String()), append(open, paths[i])
					}
				}
				j.breach(strings.Join(uniq(open), ", "), "port %d (%s) is open to the internet (%s)%s", ap.port, ap.name, strings.Join(uniq(names), " + "), when)
			}
		}
	}
	return j.verdicts()
}

// entryReaches reads one ingress entry (in each of its alternatives).
func entryReaches(t *Template, e Item, j *judge) []reach {
	var out []reach
	for _, proto := range t.Field(e.Value, "IpProtocol") {
		p, ok := protocol(proto)
		if !proto.Known() || !ok {
			if proto.Unknown == "" {
				proto.Unknown = "not a protocol"
			}
			j.unresolved(join(e.Path, "IpProtocol"), proto, "the protocol")
			continue
		}
		// Every pair of the ports' alternatives: each is a range the
		// entry may open.
		type span struct {
			from, to int
			conds    []string
		}
		spans := []span{{-1, -1, proto.Conds}}
		if p == "tcp" || p == "udp" {
			spans = nil
			m := e.V.(map[string]any)
			for _, f := range t.Eval(m["FromPort"], proto.Conds...) {
				for _, l := range t.Eval(m["ToPort"], f.Conds...) {
					if !consistent(l.Conds) {
						continue // one parameter or condition, two values
					}
					a, okA := portOf(f)
					b, okB := portOf(l)
					if !f.Known() || !l.Known() || !okA || !okB {
						why := f
						if f.Known() && okA {
							why = l
						}
						if why.Unknown == "" {
							why.Unknown = "not a number"
						}
						j.unresolved(join(e.Path, "FromPort"), why, "the port range")
						continue
					}
					// -1 on either end: every port (EC2's documentation
					// gives -1 to ICMP; for TCP and UDP it is the wider
					// reading that is taken).
					if a == -1 || b == -1 {
						a, b = -1, -1
					}
					spans = append(spans, span{a, b, l.Conds})
				}
			}
		}
		// A prefix list's ranges are in the prefix list, known at deploy
		// time: an entry from one that may reach an admin port is
		// reported.
		if present(t, e.V.(map[string]any)["SourcePrefixListId"], e.Conds) {
			for _, sp := range spans {
				if reachesAdminPort(p, sp.from, sp.to) {
					j.unresolved(join(e.Path, "SourcePrefixListId"), Value{Unknown: "a prefix list's ranges", Conds: sp.conds}, "who may reach an admin port")
					break
				}
			}
		}
		for _, key := range []string{"CidrIp", "CidrIpv6"} {
			for _, c := range t.Field(e.Value, key) {
				if c.Absent {
					continue
				}
				s, ok := c.Str()
				if !ok {
					if c.Unknown == "" {
						c.Unknown = "not a string"
					}
					j.unresolved(join(e.Path, key), c, key)
					continue
				}
				prefix, err := netip.ParsePrefix(strings.TrimSpace(s))
				if err != nil {
					continue // EC2 refuses it; not this rule's to judge
				}
				when := c.When()
				if when == "" {
					when = proto.When()
				}
				for _, sp := range spans {
					conds := append(slices.Clone(sp.conds), c.Conds...)
					if !consistent(conds) {
						continue
					}
					out = append(out, reach{path: join(e.Path, key), proto: p, from: sp.from, to: sp.to, prefix: prefix, when: when, conds: conds})
				}
			}
		}
	}
	return out
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// reachesAdminPort reports whether protocol p on ports from-to (-1: all)
// reaches an admin port.
func reachesAdminPort(p string, from, to int) bool {
	for _, ap := range adminPorts {
		if (p == "all" || slices.Contains(ap.protos, p)) && (p == "all" || from == -1 || from <= ap.port && ap.port <= to) {
			return true
		}
	}
	return false
}

// lightsailEntries reads a Lightsail instance's firewall as ingress
// entries: each port rule once per range. Without Networking.Ports,
// Lightsail opens SSH (22) and HTTP (80) to every address; a rule without
// Cidrs or Ipv6Cidrs is read as open to every address, the wider reading
// (https://docs.aws.amazon.com/lightsail/latest/userguide/understanding-firewall-and-port-mappings-in-amazon-lightsail.html,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lightsail-instance-port.html).
func lightsailEntries(t *Template, r Resource, j *judge) []Item {
	var out []Item
	defaults := func(conds []string) {
		out = append(out, Item{Path: "Networking.Ports", Value: Value{V: map[string]any{"IpProtocol": "tcp", "FromPort": 22.0, "ToPort": 22.0, "CidrIp": "0.0.0.0/0"}, Conds: conds}})
	}
	for _, n := range t.Eval(r.Properties["Networking"]) {
		m, isMap := n.V.(map[string]any)
		switch {
		case n.Absent:
			defaults(n.Conds)
			continue
		case !n.Known() || !isMap:
			if n.Unknown == "" {
				n.Unknown = "not an object"
			}
			j.unresolved("Networking", n, "the firewall")
			continue
		}
		ports := t.Eval(m["Ports"], n.Conds...)
		for _, ps := range ports {
			if ps.Absent {
				defaults(ps.Conds)
			}
		}
		for _, port := range t.Items(m["Ports"], "Networking.Ports", false, n.Conds...) {
			pm, isMap := port.V.(map[string]any)
			if !port.Known() || !isMap {
				out = append(out, port)
				continue
			}
			entry := func(key string, cidr any, conds []string) {
				out = append(out, Item{Path: port.Path, Value: Value{V: map[string]any{
					"IpProtocol": pm["Protocol"], "FromPort": pm["FromPort"], "ToPort": pm["ToPort"], key: cidr}, Conds: conds}})
			}
			// In a world where neither list holds a range, the rule is open
			// to every address: one alternative of each without a range
			// (absent, or emptied by AWS::NoValue) makes it so.
			var sets [][]string
			for key, from := range map[string]string{"CidrIp": "Cidrs", "CidrIpv6": "Ipv6Cidrs"} {
				for _, c := range t.Items(pm[from], join(port.Path, from), false, port.Conds...) {
					sets = append(sets, c.Conds)
					if !c.Known() {
						j.unresolved(c.Path, c.Value, "a range of the firewall")
						continue
					}
					entry(key, c.V, c.Conds)
				}
			}
			if !t.everyWorld(port.Conds, sets) {
				entry("CidrIp", "0.0.0.0/0", port.Conds)
				entry("CidrIpv6", "::/0", port.Conds)
			}
		}
	}
	return out
}
