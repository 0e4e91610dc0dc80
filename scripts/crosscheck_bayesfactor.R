# Cross-check numbers from R's BayesFactor for tests/test_r_crosscheck.py.
# Usage: Rscript scripts/crosscheck_bayesfactor.R   (needs r-base-core, r-cran-bayesfactor)
# Prints one line per check; the values are pasted into the test with this provenance.
suppressMessages(library(BayesFactor))
d <- read.csv("bayes_peer/data/demo_study.csv")
cat("BayesFactor", as.character(packageVersion("BayesFactor")), "\n")
pair <- function(a, b, rscale) {
  ok <- complete.cases(d[, c(a, b)])
  bf <- correlationBF(d[ok, a], d[ok, b], rscale = rscale)
  cat(sprintf("corr %s %s n=%d rscale=%.10g bf10=%.10g\n", a, b, sum(ok), rscale, exp(bf@bayesFactor$bf)))
}
pair("alliance_m24", "satisfaction_m24", 1)
pair("alliance_m24", "satisfaction_m24", 1/3)
pair("alliance_m12", "qol_m12", 1)
pair("contacts_m24", "qol_m24", 1/3)
# one-sided (BF+0) through the interval null
ok <- complete.cases(d[, c("alliance_m24", "empowerment_m24")])
bf <- correlationBF(d[ok, "alliance_m24"], d[ok, "empowerment_m24"], rscale = 1, nullInterval = c(0, 1))
cat(sprintf("corr_plus alliance_m24 empowerment_m24 n=%d bfplus0=%.10g bfminus0=%.10g\n", sum(ok),
            exp(bf@bayesFactor$bf[1]), exp(bf@bayesFactor$bf[2])))
# blocked regression: recovery_m24 on recovery_m0 + contacts_m24 + budget_used_m24, then + alliance_m24
vars <- c("recovery_m24", "recovery_m0", "contacts_m24", "budget_used_m24", "alliance_m24")
cc <- d[complete.cases(d[, vars]), vars]
m1 <- lmBF(recovery_m24 ~ recovery_m0 + contacts_m24 + budget_used_m24, data = cc, rscaleCont = "medium")
m2 <- lmBF(recovery_m24 ~ recovery_m0 + contacts_m24 + budget_used_m24 + alliance_m24, data = cc, rscaleCont = "medium")
cat(sprintf("lm recovery_m24 n=%d bf_m1=%.10g bf_m2=%.10g bf_block2=%.10g\n", nrow(cc),
            exp(m1@bayesFactor$bf), exp(m2@bayesFactor$bf), exp((m2 / m1)@bayesFactor$bf)))
cat(sprintf("r2stat N=46 p=3 R2=0.25 medium=%.10g\n", exp(linearReg.R2stat(46, 3, 0.25, sqrt(2)/4)$bf)))
