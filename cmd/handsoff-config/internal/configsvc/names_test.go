package configsvc

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/stages"
)

// TestNoTwoServicesShareNames: services are put in any order, with
// service and environment names drawn so that "{service}-{environment}"
// often coincides across services (orders + eu-alpha, orders-eu + alpha)
// or differs only in case. Oracle: a sequential model of the names each
// stored service makes in each account. A put is refused exactly when it
// would make a name another stored service makes; a refused put changes
// nothing; and no two stored services ever share one.
func TestNoTwoServicesShareNames(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := seeded(t, newSQLite(t))
		type claim struct{ account, name string }
		model := map[claim]string{} // → repo
		stored := map[string][]claim{}
		claimsOf := func(d *stages.Document) []claim {
			var out []claim
			for _, st := range d.Stages {
				for _, e := range st.Environments {
					out = append(out, claim{e.Account, strings.ToLower(d.Service.Name + "-" + e.Name)})
				}
				for _, w := range st.Waves {
					for _, e := range w.Environments {
						out = append(out, claim{e.Account, strings.ToLower(d.Service.Name + "-" + e.Name)})
					}
				}
			}
			return out
		}
		// The seeded acme/orders is the example: service orders.
		seed, _ := s.Service(ctx, "acme/orders")
		stored["acme/orders"] = claimsOf(seed)
		for _, c := range stored["acme/orders"] {
			model[c] = "acme/orders"
		}
		for i := range rapid.IntRange(1, 6).Draw(rt, "puts") {
			repo := rapid.SampledFrom([]string{"acme/a", "acme/b", "acme/c", "acme/orders"}).Draw(rt, fmt.Sprintf("repo%d", i))
			d := exampleFor(t, repo)
			d.Service.Name = rapid.SampledFrom([]string{"orders", "orders-eu", "orders-eu-prod", "pay"}).Draw(rt, fmt.Sprintf("service%d", i))
			prefix := rapid.SampledFrom([]string{"", "eu-", "EU-", "prod-", "x-"}).Draw(rt, fmt.Sprintf("prefix%d", i))
			for si := range d.Stages {
				for ei := range d.Stages[si].Environments {
					d.Stages[si].Environments[ei].Name = prefix + d.Stages[si].Environments[ei].Name
				}
				for wi := range d.Stages[si].Waves {
					for ei := range d.Stages[si].Waves[wi].Environments {
						d.Stages[si].Waves[wi].Environments[ei].Name = prefix + d.Stages[si].Waves[wi].Environments[ei].Name
					}
				}
			}
			mine := claimsOf(d)
			clash := ""
			for _, c := range mine {
				if other, ok := model[c]; ok && other != repo {
					clash = other
				}
			}
			before, _ := s.Document(ctx, repo)
			_, err := s.PutService(ctx, "test", repo, d, Cond{})
			var ce *ChangeError
			switch {
			case clash != "" && !(errors.As(err, &ce) && strings.Contains(err.Error(), "which "+clash+" (")):
				rt.Fatalf("put %s (%s, %q…) with a name of %s: %v", repo, d.Service.Name, prefix, clash, err)
			case clash != "":
				if after, _ := s.Document(ctx, repo); string(after) != string(before) {
					rt.Fatalf("a refused put changed %s", repo)
				}
			case err != nil:
				rt.Fatalf("put %s (%s, %q…) clashes with nothing, but: %v", repo, d.Service.Name, prefix, err)
			default:
				for _, c := range stored[repo] {
					delete(model, c)
				}
				stored[repo] = mine
				for _, c := range mine {
					model[c] = repo
				}
			}
		}
	})
}
