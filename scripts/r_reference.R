#!/usr/bin/env Rscript
# Reference forecasts from R's forecast package for carecast's time-series comparison.
#
# Run from the repository root (needs Debian's r-cran-forecast, version 8.20):
#
#   Rscript scripts/r_reference.R
#
# It picks about a hundred real annual series from ../shared/data/raw, holds out the last h values
# of each, forecasts them with naive, rwf(drift), ses, holt, holt(damped), ets, thetaf and
# auto.arima at 80% and 95%, and writes to forecast/timeseries/testdata:
#
#   rref_series.csv     series_id, kind, period, value, role (train or test)
#   rref_forecasts.csv  series_id, method, step, mean, lo80, hi80, lo95, hi95
#   rref_models.csv     series_id, method, model (the fitted model R chose)
#   rref_versions.txt   R and package versions
#
# forecast/timeseries/compare_test.go recomputes MASE and interval coverage for our methods and
# for these stored R forecasts on the same series, so the comparison is re-checked by every
# `go test` without R installed. R is a reference here, never a build dependency.
suppressPackageStartupMessages(library(forecast))

raw <- "../shared/data/raw"
out <- "forecast/timeseries/testdata"
stopifnot(dir.exists(raw), dir.exists(out))

series <- list() # id -> list(kind, periods, values, h)
add <- function(id, kind, periods, values, h) {
  o <- order(periods)
  series[[id]] <<- list(kind = kind, periods = periods[o], values = values[o], h = h)
}

# 1. Population totals, mid-2001 to mid-2020 (ONS MYE, 2021 geography): England, the nine
#    regions, every second county and every tenth lower-tier authority in code order. h = 5.
mye <- read.csv(file.path(raw, "ons_mye/mye_2001_2020_allages_la_2021geog.csv"),
                stringsAsFactors = FALSE, check.names = FALSE)
mye$code <- trimws(gsub("\u00a0", " ", mye$code))
codes <- sort(unique(mye$code))
pick <- c("E92000001",
          codes[startsWith(codes, "E12")],
          codes[startsWith(codes, "E10")][c(TRUE, FALSE)],
          codes[substr(codes, 1, 3) %in% c("E06", "E07", "E08", "E09")][seq(1, 400, by = 10)])
pick <- pick[!is.na(pick)]
for (cd in pick) {
  d <- mye[mye$code == cd, ]
  add(paste0("pop_", cd), "population", d$year, d$population, 5)
}

# 2. Sheffield population by five-year age band (persons) and 65+ and 85+ by sex,
#    2001-2020. h = 5.
sh <- read.csv(file.path(raw, "ons_mye/sheffield_mye_syoa_sex_2001_2020.csv"))
bands <- c(seq(0, 85, by = 5), 90)
for (i in seq_along(bands)) {
  lo <- bands[i]
  hi <- if (i < length(bands)) bands[i + 1] - 1 else 90
  d <- aggregate(population ~ year, sh[sh$age >= lo & sh$age <= hi, ], sum)
  add(sprintf("sheff_age%02d_%02d", lo, hi), "age_group", d$year, d$population, 5)
}
for (sx in 1:2) {
  for (lo in c(65, 85)) {
    d <- aggregate(population ~ year, sh[sh$sex == sx & sh$age >= lo, ], sum)
    add(sprintf("sheff_%s_%dplus", c("male", "female")[sx], lo), "age_group", d$year, d$population, 5)
  }
}

# 3. ASCOF 2A(2): permanent admissions to care homes per 100,000 aged 65+, 2014-15 to
#    2023-24, Trafford's peers and England (series with a missing year are skipped). h = 3.
asc <- read.csv(file.path(raw, "ascof/ascof_permanent_admissions_65plus_per100k_trafford_and_peers_2014-15_to_2023-24.csv"),
                stringsAsFactors = FALSE, na.strings = "NA")
asc$year <- as.integer(substr(asc$period, 1, 4))
for (cd in sort(unique(asc$area_code))) {
  d <- asc[asc$area_code == cd, ]
  if (anyNA(d$value)) next
  add(paste0("ascof_", cd), "ascof_rate", d$year, d$value, 3)
}

# 4. Period expectation of life at 0, 65, 75 and 85 by sex, England, 1981-2018 (the observed
#    part of the 2018-based NPP file; later years are projections). h = 5.
ex <- read.csv(file.path(raw, "ons_npp2018/npp2018_england_expectation_of_life_ex.csv"))
for (sx in 1:2) {
  for (age in c(0, 65, 75, 85)) {
    d <- ex[ex$type == "period" & ex$sex == sx & ex$age == age & ex$year <= 2018, ]
    add(sprintf("ex_%s_%02d", c("male", "female")[sx], age), "life_expectancy", d$year, d$ex, 5)
  }
}

source("scripts/r_reference_common.R")
nf <- write_reference(series, out, "rref", "scripts/r_reference.R")
cat(sprintf("%d series, %d forecasts written to %s\n", length(series), nf, out))
