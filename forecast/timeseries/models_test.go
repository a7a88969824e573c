package timeseries

import (
	"math"
	"testing"
)

// Series used by the checks against R. The first three are training parts of
// testdata/rref_series.csv; airPassengers is R's datasets::AirPassengers (Box & Jenkins 1976,
// monthly airline passengers, thousands, 1949–1960).
var (
	// England population, mid-2001 to mid-2015 (ONS MYE).
	englandPop = []float64{49449746, 49679267, 49925517, 50194600, 50606034, 50965186, 51381093,
		51815853, 52196381, 52642452, 53107169, 53493729, 53865817, 54316618, 54786327}
	// Period expectation of life at 65, females, England, 1981–2013 (ONS NPP 2018).
	exFemale65 = []float64{17.1, 17.1, 17.2, 17.5, 17.3, 17.5, 17.7, 17.7, 17.7, 18, 17.9, 18.2,
		18, 18.4, 18.3, 18.4, 18.5, 18.6, 18.7, 19, 19.2, 19.2, 19.2, 19.7, 19.8, 20.1, 20.2, 20.2,
		20.7, 20.8, 21, 20.9, 21}
	// Sheffield residents aged 25–29, mid-2001 to mid-2015 (ONS MYE).
	sheffield2529 = []float64{34210, 32552, 31547, 32650, 35146, 36736, 37813, 38858, 38792,
		38590, 38944, 39187, 40325, 41419, 43543}
	airPassengers = []float64{112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126,
		141, 135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184,
		162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235,
		229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203,
		229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374,
		413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340,
		318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472, 548, 559,
		463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432}
)

func near(got, want, rel float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

// checkForecast compares a forecast with R's mean and 80%/95% bounds, to relative tolerance tol.
func checkForecast(t *testing.T, f Forecast, mean, lo80, lo95, hi80, hi95 []float64, tol float64) {
	t.Helper()
	for j := range mean {
		if !near(f.Mean[j], mean[j], tol) {
			t.Errorf("mean[%d] = %.10g, R %.10g", j, f.Mean[j], mean[j])
		}
		if lo80 != nil && (!near(f.Lower[0][j], lo80[j], tol) || !near(f.Upper[0][j], hi80[j], tol)) {
			t.Errorf("80%%[%d] = [%.10g, %.10g], R [%.10g, %.10g]", j, f.Lower[0][j], f.Upper[0][j], lo80[j], hi80[j])
		}
		if lo95 != nil && (!near(f.Lower[1][j], lo95[j], tol) || !near(f.Upper[1][j], hi95[j], tol)) {
			t.Errorf("95%%[%d] = [%.10g, %.10g], R [%.10g, %.10g]", j, f.Lower[1][j], f.Upper[1][j], lo95[j], hi95[j])
		}
	}
}

func forecastOf(p predictor, h int) Forecast {
	return (&model{p: p, opts: Options{}}).Forecast(h, []float64{80, 95})
}

// TestETSAgainstR checks single ETS models against R forecast 8.20, e.g.
// ets(y, model = "AAN", damped = FALSE) and forecast(fit, h = 5), printed with digits = 12.
// The optimiser follows R's Nelder–Mead step by step, so estimates agree to about 1e-8.
func TestETSAgainstR(t *testing.T) {
	tests := []struct {
		name                         string
		y                            []float64
		spec                         etsSpec
		par                          []float64 // alpha, beta?, gamma?, phi? then initial states
		loglik, aicc, sigma2         float64
		mean, lo80, lo95, hi80, hi95 []float64
	}{
		{
			// ets(englandPop, model = "AAN", damped = FALSE)
			name: "AAN England population", y: englandPop,
			spec:   etsSpec{err: 'A', trend: 'A', season: 'N', m: 1},
			par:    []float64{9.99899345551e-01, 1.00263484767e-04, 4.88947988297e+07, 3.84774737650e+05},
			loglik: -190.839162191, aicc: 398.344991048, sigma2: 10217076791.8,
			mean: []float64{55171105.2239, 55555891.9972, 55940678.7705, 56325465.5437, 56710252.3170},
			lo80: []float64{55041566.5597, 55372696.6973, 55716303.7821, 56066368.8084, 56420560.2963},
			lo95: []float64{54972992.9331, 55275718.9634, 55597526.8381, 55929211.2818, 56267206.6039},
			hi80: []float64{55300643.8881, 55739087.2971, 56165053.7588, 56584562.2790, 56999944.3377},
			hi95: []float64{55369217.5147, 55836065.0309, 56283830.7028, 56721719.8056, 57153298.0300},
		},
		{
			// ets(exFemale65, model = "MAN", damped = TRUE): class 2 intervals.
			name: "MAdN life expectancy", y: exFemale65,
			spec:   etsSpec{err: 'M', trend: 'A', damped: true, season: 'N', m: 1},
			par:    []float64{0.217031054884, 0.217031054500, 0.979730559769, 16.958426321037, 0.089327567769},
			loglik: 6.86658398001, aicc: 1.49760127075, sigma2: 6.69286132809e-05,
			mean: []float64{21.2770371941, 21.3501094959, 21.4217006630, 21.4918407173, 21.5605590719},
			lo80: []float64{21.0539610384, 21.1066085002, 21.1389485173, 21.1515889745, 21.1475480413},
			lo95: []float64{20.9358716548, 20.9777068595, 20.9892685728, 20.9714705819, 20.9289132084},
			hi80: []float64{21.5001133498, 21.5936104915, 21.7044528088, 21.8320924601, 21.9735701025},
			hi95: []float64{21.6182027334, 21.7225121323, 21.8541327533, 22.0122108526, 22.1922049353},
		},
		{
			// ets(exFemale65, model = "MNN")
			name: "MNN life expectancy", y: exFemale65,
			spec:   etsSpec{err: 'M', trend: 'N', season: 'N', m: 1},
			par:    []float64{0.978935272691, 17.097864596399},
			loglik: -6.22828946705, aicc: 19.284165141, sigma2: 0.000135228555646,
			mean: []float64{20.9979360084, 20.9979360084, 20.9979360084},
			lo80: []float64{20.6850062260, 20.5600082629, 20.4634750325},
			lo95: []float64{20.5193512057, 20.3281833179, 20.1805484821},
			hi80: []float64{21.3108657908, 21.4358637539, 21.5323969843},
			hi95: []float64{21.4765208111, 21.6676886989, 21.8153235347},
		},
		{
			// ets(AirPassengers, model = "AAA", damped = FALSE): seasonal class 1.
			name: "AAA air passengers", y: airPassengers,
			spec: etsSpec{err: 'A', trend: 'A', season: 'A', m: 12},
			par: []float64{9.93480362872e-01, 1.91179159524e-04, 5.80032514321e-04, 1.20960762546e+02,
				1.39339982902e+00, -2.91815695929e+01, -5.43841662192e+01, -2.07168716370e+01,
				1.50726618967e+01, 6.51553960287e+01, 6.61846393963e+01, 3.35822290602e+01,
				-4.23202989397e+00, -8.09460700793e+00, -3.82047037351e+00, -3.43364218104e+01},
			loglik: -765.935847512, aicc: 1570.72883788,
			mean: []float64{437.286272642, 429.584964936, 461.537120015},
			lo80: []float64{414.158011090, 396.979996067, 421.644078486},
			lo95: []float64{401.914648990, 379.719968147, 400.525977948},
			hi80: []float64{460.414534193, 462.189933805, 501.430161544},
			hi95: []float64{472.657896293, 479.449961724, 522.548262081},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fitETS(newETSWork(tt.y), tt.spec, critLik)
			if e == nil {
				t.Fatal("no fit")
			}
			got := []float64{e.alpha}
			if tt.spec.trend != 'N' {
				got = append(got, e.beta)
			}
			if tt.spec.season != 'N' {
				got = append(got, e.gamma)
			}
			if tt.spec.damped {
				got = append(got, e.phi)
			}
			got = append(got, e.x0[:len(tt.par)-len(got)]...)
			for i := range tt.par {
				if !near(got[i], tt.par[i], 1e-5) && math.Abs(got[i]-tt.par[i]) > 1e-6 {
					t.Errorf("par[%d] = %.12g, R %.12g", i, got[i], tt.par[i])
				}
			}
			if loglik := -0.5 * e.lik; math.Abs(loglik-tt.loglik) > 1e-6 {
				t.Errorf("loglik = %.12g, R %.12g", loglik, tt.loglik)
			}
			if math.Abs(e.aicc-tt.aicc) > 1e-6 {
				t.Errorf("aicc = %.12g, R %.12g", e.aicc, tt.aicc)
			}
			if tt.sigma2 != 0 && !near(e.sigma2, tt.sigma2, 1e-6) {
				t.Errorf("sigma2 = %.12g, R %.12g", e.sigma2, tt.sigma2)
			}
			checkForecast(t, forecastOf(e, len(tt.mean)), tt.mean, tt.lo80, tt.lo95, tt.hi80, tt.hi95, 1e-7)
		})
	}
}

// TestETSAutoAgainstR checks the automatic selection: R forecast 8.20's ets(AirPassengers)
// chooses ETS(M,Ad,M) with loglik -679.583216237 and AICc 1400.63843247; its intervals
// (forecast(fit, h = 12)) are the analytic class 3 ones. ets(exFemale65) chooses ETS(M,A,N)
// with AICc -1.37709784917.
func TestETSAutoAgainstR(t *testing.T) {
	e, err := fitETSAuto(airPassengers, 12)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.describe(); got != "ETS(M,Ad,M)" {
		t.Fatalf("model %s, R ETS(M,Ad,M)", got)
	}
	if loglik := -0.5 * e.lik; math.Abs(loglik-(-679.583216237)) > 1e-5 {
		t.Errorf("loglik %.12g, R -679.583216237", loglik)
	}
	if math.Abs(e.aicc-1400.63843247) > 1e-5 {
		t.Errorf("aicc %.12g, R 1400.63843247", e.aicc)
	}
	checkForecast(t, forecastOf(e, 12),
		[]float64{441.801847278, 434.118620069, 496.630046777, 483.237479446, 483.991353447, 551.024400008, 613.179679246, 609.364830849, 530.540834527, 463.033214487, 402.747800051, 451.969373093},
		[]float64{419.625648784, 407.166812604, 460.629103015, 443.621017432, 440.023558155, 496.336754624, 547.386534446, 539.244662847, 465.487248272, 402.849625142, 347.499494440, 386.774966669},
		[]float64{407.886278423, 392.899387562, 441.571354579, 422.649329246, 416.748413273, 467.386863889, 512.557747438, 502.125288118, 431.049959909, 370.990357416, 318.252808110, 352.263132610},
		[]float64{463.978045773, 461.070427534, 532.630990539, 522.853941459, 527.959148738, 605.712045392, 678.972824047, 679.484998852, 595.594420782, 523.216803832, 457.996105661, 517.163779518},
		[]float64{475.717416133, 475.337852576, 551.688738975, 543.825629645, 551.234293620, 634.661936127, 713.801611055, 716.604373580, 630.031709146, 555.076071557, 487.242791992, 551.675613577},
		1e-6)

	e, err = fitETSAuto(exFemale65, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.describe(); got != "ETS(M,A,N)" || math.Abs(e.aicc-(-1.37709784917)) > 1e-6 {
		t.Errorf("ets(exFemale65) = %s AICc %.12g, R ETS(M,A,N) -1.37709784917", got, e.aicc)
	}
}

// TestSimpleMethodsAgainstR checks naive(), rwf(drift = TRUE), ses(), holt() and
// holt(damped = TRUE) from R forecast 8.20 on sheffield2529, h = 3 (ses and holt minimise the
// one-step MSE, not the likelihood, as R's do).
func TestSimpleMethodsAgainstR(t *testing.T) {
	tests := []struct {
		method                       Method
		mean, lo80, lo95, hi80, hi95 []float64
	}{
		{Naive, []float64{43543, 43543, 43543},
			[]float64{41892.6020697, 41208.9848636, 40684.4269320}, []float64{41018.9341797, 39973.4318846, 39171.1897576},
			[]float64{45193.3979303, 45877.0151364, 46401.5730680}, []float64{46067.0658203, 47112.5681154, 47914.8102424}},
		{Drift, []float64{44209.6428571, 44876.2857143, 45542.9285714},
			[]float64{42692.8441223, 42660.8593615, 42746.0898977}, []float64{41889.8993743, 41488.0834925, 41265.5329375},
			[]float64{45726.4415920, 47091.7120670, 48339.7672452}, []float64{46529.3863400, 48264.4879361, 49820.3242054}},
		{SES, []float64{43542.7875876, 43542.7875876, 43542.7875876},
			[]float64{41829.9853191, 41120.6405011, 40576.3248107}, []float64{40923.2825680, 39838.4332858, 39005.9742744},
			[]float64{45255.5898560, 45964.9346741, 46509.2503644}, []float64{46162.2926072, 47247.1418894, 48079.6009007}},
		{Holt, []float64{43353.1303270, 44103.1397394, 44853.1491517},
			[]float64{41574.7171658, 42322.4060256, 43070.0888324}, []float64{40633.2821061, 41379.7425396, 42126.1937157},
			[]float64{45131.5434882, 45883.8734531, 46636.2094711}, []float64{46072.9785480, 46826.5369391, 47580.1045877}},
		{Damped, []float64{44169.1103965, 44782.8441235, 45384.3031668},
			[]float64{42253.4724550, 42073.7254748, 42066.2186345}, []float64{41239.3949846, 40639.6046908, 40309.7307846},
			[]float64{46084.7483380, 47491.9627722, 48702.3876991}, []float64{47098.8258084, 48926.0835562, 50458.8755491}},
	}
	for _, tt := range tests {
		t.Run(string(tt.method), func(t *testing.T) {
			m, err := Fit(sheffield2529, tt.method, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkForecast(t, m.Forecast(3, nil), tt.mean, tt.lo80, tt.lo95, tt.hi80, tt.hi95, 1e-6)
		})
	}
}

// TestThetaAgainstR checks thetaf() from R forecast 8.20: on englandPop (h = 5) alpha is
// 0.999899939421 and the drift 195984.667857; on AirPassengers the series is deseasonalised
// first and the means for January–March 1961 are 440.078191082, 428.384280557 and
// 489.707098670.
func TestThetaAgainstR(t *testing.T) {
	th, err := fitTheta(englandPop, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !near(th.alpha, 0.999899939421, 1e-8) || !near(th.drift, 195984.667857, 1e-9) {
		t.Errorf("alpha %.12g drift %.12g, R 0.999899939421 195984.667857", th.alpha, th.drift)
	}
	checkForecast(t, forecastOf(th, 5),
		[]float64{54982284.2763, 55178268.9441, 55374253.6120, 55570238.2799, 55766222.9477},
		[]float64{54255633.3696, 54150680.7886, 54115741.2781, 54117045.5288, 54141512.1892},
		[]float64{53870967.6155, 53606708.4780, 53449525.0916, 53347771.7547, 53281442.2665},
		[]float64{55708935.1830, 56205857.0997, 56632765.9459, 57023431.0309, 57390933.7063},
		[]float64{56093600.9371, 56749829.4103, 57298982.1324, 57792704.8050, 58251003.6289},
		1e-8)
	th, err = fitTheta(airPassengers, 12)
	if err != nil {
		t.Fatal(err)
	}
	if th.fig == nil {
		t.Fatal("AirPassengers not deseasonalised")
	}
	checkForecast(t, forecastOf(th, 3), []float64{440.078191082, 428.384280557, 489.707098670}, nil, nil, nil, nil, 1e-7)
}

// TestKPSSAgainstR checks the KPSS statistic against urca 1.3 (Debian r-cran-urca, used by R
// forecast 8.20's ndiffs): ur.kpss(x, type = "mu", use.lag = trunc(3*sqrt(n)/13))@teststat,
// and the differencing order against ndiffs().
func TestKPSSAgainstR(t *testing.T) {
	if got := kpss(englandPop); !near(got, 1.51020336214, 1e-10) {
		t.Errorf("kpss(englandPop) = %.12g, R 1.51020336214", got)
	}
	if got := kpss(diff(englandPop)); !near(got, 0.855963648478, 1e-10) {
		t.Errorf("kpss(diff(englandPop)) = %.12g, R 0.855963648478", got)
	}
	if got := kpss(exFemale65); !near(got, 1.68157042679, 1e-10) {
		t.Errorf("kpss(exFemale65) = %.12g, R 1.68157042679", got)
	}
	for _, tt := range []struct {
		y []float64
		d int
	}{{exFemale65, 1}, {englandPop, 2}, {sheffield2529, 1}} {
		if got := ndiffs(tt.y); got != tt.d {
			t.Errorf("ndiffs = %d, R %d", got, tt.d)
		}
	}
}

// TestARIMALikelihoodAgainstR checks the exact likelihood and Kalman forecasts at fixed
// coefficients against R 4.2.2's stats::arima(y, order, fixed = …, transform.pars = FALSE)
// and predict(fit, n.ahead = 3).
func TestARIMALikelihoodAgainstR(t *testing.T) {
	tests := []struct {
		name      string
		y         []float64
		spec      arimaSpec
		par       []float64
		loglik    float64
		pred, se  []float64
		tolerance float64
	}{
		{"ARIMA(2,0,1) with mean", exFemale65, arimaSpec{p: 2, q: 1, constant: true}, []float64{0.5, 0.3, 0.2, 19},
			-12.0017663214, []float64{20.6495996586, 20.4247998293, 20.2072798122}, []float64{0.342290497368, 0.417818799286, 0.473364368670}, 1e-9},
		// d = 2: R's diffuse prior (kappa = 1e6) is approximate, so agreement is to about 1e-7.
		{"ARIMA(1,2,1)", sheffield2529, arimaSpec{p: 1, d: 2, q: 1}, []float64{-0.4, 0.3},
			-107.794163541, []float64{45553.9232824, 47610.0772519, 49648.1389466}, []float64{965.282017985, 2072.548386713, 3436.675119963}, 1e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newArimaFitter(tt.y, tt.spec)
			v := f.ml(tt.par, false)
			nu := float64(f.nobs)
			loglik := -0.5 * (2*nu*v + nu + nu*math.Log(2*math.Pi))
			if !near(loglik, tt.loglik, tt.tolerance) {
				t.Errorf("loglik %.12g, R %.12g", loglik, tt.loglik)
			}
			ss := f.ss
			ss.init()
			ssq, _, n := ss.filter(f.adjust(tt.par), nil)
			pred, vv := ss.forecast(3)
			for i := range pred {
				if tt.spec.hasReg() {
					pred[i] += tt.par[len(tt.par)-1]
				}
				se := math.Sqrt(vv[i] * ssq / float64(n))
				if !near(pred[i], tt.pred[i], tt.tolerance) || !near(se, tt.se[i], tt.tolerance) {
					t.Errorf("step %d: pred %.12g se %.12g, R %.12g %.12g", i+1, pred[i], se, tt.pred[i], tt.se[i])
				}
			}
		})
	}
}

// TestARIMAAgainstR checks fitted ARIMA models against R forecast 8.20: auto.arima(exFemale65)
// is ARIMA(1,1,0) with drift (ar1 -0.483463103, drift 0.123369475, sigma² 0.0250630528, AICc
// -22.1055994207); auto.arima(sheffield2529) is ARIMA(1,1,0) (ar1 0.774821734, AICc
// 236.063583814); Arima(exFemale65, c(1,1,1), include.drift = TRUE) has loglik 14.639668522.
// Both optimisers stop at a relative tolerance of 1e-8 with numerical gradients, so estimates
// agree to about 1e-4 and forecasts to 1e-5 or, where the likelihood is flat, 1e-4.
func TestARIMAAgainstR(t *testing.T) {
	a, err := autoARIMA(exFemale65)
	if err != nil {
		t.Fatal(err)
	}
	if a.describe() != "ARIMA(1,1,0) with drift" {
		t.Fatalf("auto.arima(exFemale65) = %s, R ARIMA(1,1,0) with drift", a.describe())
	}
	if !near(a.phi[0], -0.483463103, 1e-4) || !near(a.reg, 0.123369475, 1e-4) || !near(a.sigma2, 0.0250630528, 1e-4) || math.Abs(a.aicc-(-22.1055994207)) > 1e-4 {
		t.Errorf("ar1 %.9g drift %.9g sigma2 %.9g aicc %.10g", a.phi[0], a.reg, a.sigma2, a.aicc)
	}
	checkForecast(t, forecastOf(a, 5),
		[]float64{21.1346677532, 21.2525749269, 21.3785852224, 21.5006779575, 21.6246646885},
		[]float64{20.9317812905, 21.0242207949, 21.1041464523, 21.1973077867, 21.2903902686},
		[]float64{20.8243796848, 20.9033374193, 20.9588673430, 21.0367133191, 21.1134360796},
		[]float64{21.3375542160, 21.4809290590, 21.6530239926, 21.8040481283, 21.9589391085},
		[]float64{21.4449558217, 21.6018124346, 21.7983031019, 21.9646425959, 22.1358932974},
		1e-5)

	a, err = autoARIMA(sheffield2529)
	if err != nil {
		t.Fatal(err)
	}
	if a.describe() != "ARIMA(1,1,0)" || !near(a.phi[0], 0.774821734, 5e-4) || math.Abs(a.aicc-236.063583814) > 1e-4 {
		t.Errorf("auto.arima(sheffield2529) = %s ar1 %.9g aicc %.12g", a.describe(), a.phi, a.aicc)
	}
	checkForecast(t, forecastOf(a, 5),
		[]float64{45188.7213621, 46463.8620408, 47451.8687519, 48217.3978247, 48810.5463879},
		[]float64{43997.7703769, 44037.7127151, 43725.2335659, 43184.4606163, 42496.9629027},
		[]float64{43367.3190081, 42753.3868424, 41752.4720639, 40520.1845950, 39154.7536933},
		[]float64{46379.6723472, 48890.0113664, 51178.5039380, 53250.3350330, 55124.1298730},
		[]float64{47010.1237160, 50174.3372391, 53151.2654400, 55914.6110544, 58466.3390824},
		1e-4) // the likelihood is flat in ar1: ours stops at 0.774915 with an AICc 2e-7 lower

	m, err := newArimaFitter(exFemale65, arimaSpec{p: 1, d: 1, q: 1, constant: true}).fit()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(m.loglik-14.639668522) > 1e-5 || math.Abs(m.aicc-(-19.7978555626)) > 1e-4 {
		t.Errorf("loglik %.12g aicc %.12g, R 14.639668522 -19.7978555626", m.loglik, m.aicc)
	}
	if !near(m.phi[0], -0.337852468, 1e-3) || !near(m.theta[0], -0.197558601, 1e-3) || !near(m.reg, 0.124248212, 1e-4) {
		t.Errorf("ar1 %.9g ma1 %.9g drift %.9g, R -0.337852468 -0.197558601 0.124248212", m.phi[0], m.theta[0], m.reg)
	}
	checkForecast(t, forecastOf(m, 3),
		[]float64{21.1591811510, 21.2716271834, 21.3998627910},
		[]float64{20.9539211638, 21.0452967139, 21.1376046299},
		[]float64{20.8452630901, 20.9254846006, 20.9987735455},
		[]float64{21.3644411382, 21.4979576530, 21.6621209522},
		[]float64{21.4730992118, 21.6177697663, 21.8009520365},
		1e-4)
}
