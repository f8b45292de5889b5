# SPDX-License-Identifier: GPL-3.0-or-later
# sens-toy.sh - a study whose Sobol indices and value of information are
# known in closed form (t47xx).  sens_toy DIR writes it.
#
# One technology "Toy", scenarios Base (every parameter constant) and Go:
#   Lin = p0 + 2 p1 + 3 p2,  p0..p2 ~ N(0,1): S_i = ST_i = a_i^2 / 14
#   G   = prod (|4 p_i - 2| + a_i) / (1 + a_i), p3..p5 ~ U(0,1), a = 0, 1, 9
#         (the Sobol g-function)
#   V   = p6, N(0,1) in Go and 0 in Base: choosing between tranche Off
#         (Base) and On (Go) has EVPI = E max(X, 0) = 1/sqrt(2 pi).
sens_toy() {
	dir=$1
	mkdir -p "$dir"
	cat >"$dir/designs.csv" <<'CSV'
Technology,Scenario,Variable,Index,Value,Units,Notes
Toy,Base,Scale,,1,,
Toy,Base,Lifetime,Equipment,1,,
Toy,Base,Input,Feed,0,,
Toy,Base,Input efficiency,Feed,1,,
Toy,Base,Input price,Feed,0,,
Toy,Base,Output efficiency,Widget,1,,
Toy,Base,Output price,Widget,0,,
Toy,Go,Scale,,1,,
Toy,Go,Lifetime,Equipment,1,,
Toy,Go,Input,Feed,0,,
Toy,Go,Input efficiency,Feed,1,,
Toy,Go,Input price,Feed,0,,
Toy,Go,Output efficiency,Widget,1,,
Toy,Go,Output price,Widget,0,,
CSV
	cat >"$dir/parameters.csv" <<'CSV'
Technology,Scenario,Parameter,Offset,Value,Units,Notes
Toy,Base,X1,0,0,,
Toy,Base,X2,1,0,,
Toy,Base,X3,2,0,,
Toy,Base,U1,3,0.5,,
Toy,Base,U2,4,0.5,,
Toy,Base,U3,5,0.5,,
Toy,Base,Payoff,6,0,,
Toy,Go,X1,0,"st.norm(0, 1)",,
Toy,Go,X2,1,"st.norm(0, 1)",,
Toy,Go,X3,2,"st.norm(0, 1)",,
Toy,Go,U1,3,"st.uniform(0, 1)",,
Toy,Go,U2,4,"st.uniform(0, 1)",,
Toy,Go,U3,5,"st.uniform(0, 1)",,
Toy,Go,Payoff,6,"st.norm(0, 1)",,
CSV
	cat >"$dir/indices.csv" <<'CSV'
Technology,Type,Index,Offset,Description,Notes
Toy,Capital,Equipment,0,,
Toy,Input,Feed,0,,
Toy,Output,Widget,0,,
Toy,Metric,Lin,0,,
Toy,Metric,G,1,,
Toy,Metric,V,2,,
CSV
	cat >"$dir/functions.csv" <<'CSV'
Technology,Style,Model,Capital,Fixed,Production,Metrics,Notes
Toy,numpy,toy,capital,fixed,production,metrics,
CSV
	cat >"$dir/results.csv" <<'CSV'
Technology,Variable,Index,Units,Notes
Toy,Cost,Cost,$,
Toy,Output,Widget,u,
Toy,Metric,Lin,u,
Toy,Metric,G,u,
Toy,Metric,V,$,
CSV
	cat >"$dir/tranches.csv" <<'CSV'
Category,Tranche,Scenario,Amount,Notes
Choice,Off,Base,0,
Choice,On,Go,1,
CSV
	cat >"$dir/investments.csv" <<'CSV'
Investment,Category,Tranche,Notes
Off,Choice,Off,
On,Choice,On,
CSV
	cat >"$dir/toy.yml" <<'YML'
capital:
  Equipment: 0
fixed:
  Rent: 0
production:
  Widget: 1
metrics:
  Lin: p[0] + 2 * p[1] + 3 * p[2]
  G: abs(4 * p[3] - 2) * ((abs(4 * p[4] - 2) + 1) / 2) * ((abs(4 * p[5] - 2) + 9) / 10)
  V: p[6]
YML
}
