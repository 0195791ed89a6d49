package pcre
import ("testing"; "time"; "sort")
func BenchmarkProfDebug(b *testing.B) {
	res, subjects := stockCorpus(b)
	type r struct{ p string; d time.Duration }
	var rs []r
	var total time.Duration
	for _, re := range res {
		t0 := cpuNow()
		for k := 0; k < 5; k++ { for _, s := range subjects { re.MatchString(s) } }
		d := time.Duration(cpuNow()-t0)/5
		total += d
		rs = append(rs, r{re.String(), d})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	b.Logf("total %v per pair %v; without the slowest: %v", total, total/time.Duration(len(res)*len(subjects)), (total-rs[0].d)/time.Duration((len(res)-1)*len(subjects)))
	b.Logf("median pattern per subject: %v", rs[len(rs)/2].d/time.Duration(len(subjects)))
	for _, x := range rs[:12] { b.Logf("%v %.80q", x.d/time.Duration(len(subjects)), x.p) }
}
