package auth

import "fmt"

// A Role is what an identity may do. People's roles are ordered: each may do
// everything the ones before it may. Feed is apart: it may only send events.
type Role string

// The roles.
const (
	Feed       Role = "feed"       // feed systems: post incidents and positions
	Wall       Role = "wall"       // read-only displays
	Operator   Role = "operator"   // acknowledge alerts
	Dispatcher Role = "dispatcher" // dispatch units, move cases
	Admin      Role = "admin"      // regions, rules, keys, audit
)

var rank = map[Role]int{Wall: 1, Operator: 2, Dispatcher: 3, Admin: 4}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r == Feed || rank[r] > 0 {
		return r, nil
	}
	return "", fmt.Errorf("auth: unknown role %q (feed, wall, operator, dispatcher, admin)", s)
}

// Can reports whether r may do what needs role need. Admin may also feed, so an
// operator can post a test incident by hand.
func (r Role) Can(need Role) bool {
	if need == Feed {
		return r == Feed || r == Admin
	}
	return rank[r] >= rank[need] && rank[need] > 0
}
