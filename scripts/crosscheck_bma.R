# Oracle for tests/test_bma.py: every model's JZS Bayes factor against the intercept-only model
# from BayesFactor's regressionBF(whichModels = "all").
# Usage: Rscript scripts/crosscheck_bma.R   (needs r-base-core, r-cran-bayesfactor)
# Writes tests/data/bma_regressionbf.csv (model, log_bf, error = BayesFactor's proportional
# error estimate).
suppressMessages(library(BayesFactor))
d <- read.csv("bayes_peer/data/demo_study.csv")
vars <- c("qol_m24", "qol_m0", "alliance_m24", "contacts_m24", "satisfaction_m24",
          "empowerment_m24", "recovery_m24")
d <- d[complete.cases(d[, vars]), vars]
cat("BayesFactor", as.character(packageVersion("BayesFactor")), R.version.string,
    "n =", nrow(d), "\n")
bf <- regressionBF(qol_m24 ~ qol_m0 + alliance_m24 + contacts_m24 + satisfaction_m24 +
                     empowerment_m24 + recovery_m24, data = d, whichModels = "all",
                   rscaleCont = "medium", progress = FALSE)
x <- extractBF(bf)
write.csv(data.frame(model = rownames(x), log_bf = log(x$bf), error = x$error),
          "tests/data/bma_regressionbf.csv", row.names = FALSE)
