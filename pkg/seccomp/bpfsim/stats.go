package bpfsim

// PathStats says how many instructions calls walk through a program.
type PathStats struct {
	Arch  string  `json:"arch"`
	Calls int     `json:"calls"` // calls simulated: every number with a name
	Mean  float64 `json:"mean"`
	Worst int     `json:"worst"`
	// WorstCall is a call that takes the worst path.
	WorstCall string `json:"worst_call"`
}

// Paths simulates every known call of arch (numbers 0 to 1023, named by
// name) with zero arguments and reports the instructions each walks.
func (p *Program) Paths(arch string, name func(nr int32, arch string) string) (PathStats, error) {
	st := PathStats{Arch: arch}
	token, ok := auditArches[arch]
	if !ok {
		return st, nil
	}
	base := int32(0)
	if arch == "SCMP_ARCH_X32" {
		base = x32Bit
	}
	total := 0
	for nr := base; nr < base+1024; nr++ {
		n := name(nr, arch)
		if n == "" {
			continue
		}
		_, steps, err := p.Trace(Call{Nr: nr, Arch: token})
		if err != nil {
			return st, err
		}
		st.Calls++
		total += steps
		if steps > st.Worst {
			st.Worst, st.WorstCall = steps, n
		}
	}
	if st.Calls > 0 {
		st.Mean = float64(total) / float64(st.Calls)
	}
	return st, nil
}
