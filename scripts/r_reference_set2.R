#!/usr/bin/env Rscript
# A second reference set for carecast's time-series comparison: real annual series that the
# combination rule of forecast/timeseries (method auto) was not designed or checked on.
#
# Run from the repository root (needs Debian's r-cran-forecast, version 8.20):
#
#   Rscript scripts/r_reference_set2.R
#
# The series, picked by rule, not by result:
#
#   1. population: all-age population, mid-2001 to mid-2020 (ONS MYE, 2021 geography,
#      ons_mye/mye_2001_2020_allages_la_2021geog.csv), of every lower-tier area of England
#      (codes E06, E07, E08, E09) not already in the first set (scripts/r_reference.R takes
#      every tenth in code order), and every Welsh, Scottish and Northern Irish local
#      authority (W06, S12, N09). h = 5.
#   2. residential_65plus: client weeks of council-supported residential care for people aged
#      65 and over (in house plus external), 2000-01 to 2013-14, by council
#      (nhsd_asc_activity/activity_65plus_by_council_2001_2023_keep_all.csv; PSS-EX1 years
#      only: the source changes definition at 2014-15). Council names are matched across years
#      after URL-decoding, dropping the "123-" code prefixes and "UA" suffixes, and four renamings
#      (Bath and Somerset, Blackburn and Darwen, Isle of Wight Council, Medway Towns). A council is
#      kept if both its in-house and external figures are published in all 14 years and every
#      total is positive; councils created or abolished in 2009 and aggregate rows drop out.
#      h = 4.
#
# It forecasts the held-out years with the same R calls as scripts/r_reference.R and writes to
# forecast/timeseries/testdata rref2_series.csv, rref2_forecasts.csv, rref2_models.csv (the same
# columns as the rref_ files) and rref2_versions.txt.
suppressPackageStartupMessages(library(forecast))

raw <- "../shared/data/raw"
out <- "forecast/timeseries/testdata"
stopifnot(dir.exists(raw), dir.exists(out))

series <- list() # id -> list(kind, periods, values, h)
add <- function(id, kind, periods, values, h) {
  o <- order(periods)
  series[[id]] <<- list(kind = kind, periods = periods[o], values = values[o], h = h)
}

# 1. Population totals.
mye <- read.csv(file.path(raw, "ons_mye/mye_2001_2020_allages_la_2021geog.csv"),
                stringsAsFactors = FALSE, check.names = FALSE)
mye$code <- trimws(gsub("\u00a0", " ", mye$code))
codes <- sort(unique(mye$code))
lower <- codes[substr(codes, 1, 3) %in% c("E06", "E07", "E08", "E09")]
first <- lower[seq(1, 400, by = 10)] # the first set's lower-tier areas
first <- first[!is.na(first)]
pick <- c(setdiff(lower, first), codes[substr(codes, 1, 3) %in% c("W06", "S12", "N09")])
for (cd in pick) {
  d <- mye[mye$code == cd, ]
  stopifnot(nrow(d) == 20)
  add(paste0("pop_", cd), "population", d$year, d$population, 5)
}

# 2. Residential care for people aged 65+, client weeks, 2000-01 to 2013-14.
act <- read.csv(file.path(raw, "nhsd_asc_activity/activity_65plus_by_council_2001_2023_keep_all.csv"),
                stringsAsFactors = FALSE, na.strings = "NA")
act <- act[act$SupportSetting == "Residential" & act$year <= 2014 &
           act$ActivityProvision %in% c("In House", "External"), ]
key <- function(s) {
  s <- vapply(s, URLdecode, "")
  s <- sub("^[0-9]+-", "", s)
  s <- sub("[[:space:]]+UA$", "", s)
  s <- gsub("&", "and", tolower(s))
  s <- gsub("[^a-z]", "", s)
  renamed <- c(bathandsomerset = "bathandnortheastsomerset", blackburnanddarwen = "blackburnwithdarwen",
               isleofwightcouncil = "isleofwight", medwaytowns = "medway")
  ifelse(s %in% names(renamed), renamed[s], s)
}
act$key <- key(act$DH_GEOGRAPHY_NAME)
act <- act[!grepl("^total|^england$", act$key), ]
for (k in sort(unique(act$key))) {
  d <- act[act$key == k, ]
  if (nrow(d) != 28 || anyNA(d$ITEMVALUE) || anyDuplicated(d[, c("year", "ActivityProvision")])) next
  tot <- aggregate(ITEMVALUE ~ year, d, sum)
  if (nrow(tot) != 14 || any(tot$ITEMVALUE <= 0)) next
  add(paste0("res65_", k), "residential_65plus", tot$year, tot$ITEMVALUE, 4)
}

source("scripts/r_reference_common.R")
nf <- write_reference(series, out, "rref2", "scripts/r_reference_set2.R")
cat(sprintf("%d series (%s), %d forecasts written to %s\n", length(series),
            paste(names(table(sapply(series, `[[`, "kind"))), table(sapply(series, `[[`, "kind")), collapse = ", "),
            nf, out))
