# Cross-check numbers from rstanarm for tests/test_mcmc_regression.py.
# Usage: Rscript scripts/crosscheck_rstanarm.R   (needs r-base-core, r-cran-rstanarm)
# The model of bayes_peer's `regress --prior normal --prior-scale 1` on the demo study:
# recovery_m24 on recovery_m0 + contacts_m24 + budget_used_m24 + alliance_m24, complete rows,
# every variable z-scored with its sample SD; rstanarm's default intercept and aux priors.
suppressMessages(library(rstanarm))
d <- read.csv("bayes_peer/data/demo_study.csv")
vars <- c("recovery_m24", "recovery_m0", "contacts_m24", "budget_used_m24", "alliance_m24")
z <- as.data.frame(scale(d[complete.cases(d[, vars]), vars]))
cat("rstanarm", as.character(packageVersion("rstanarm")), "n =", nrow(z), "\n")
fit <- stan_glm(recovery_m24 ~ ., data = z, prior = normal(0, 1, autoscale = FALSE),
                chains = 4, iter = 20000, warmup = 2000, seed = 20261126, refresh = 0, cores = 1)
draws <- as.matrix(fit)
for (v in colnames(draws)) {
  cat(sprintf("%s mean=%.5f sd=%.5f q025=%.5f q975=%.5f\n", v, mean(draws[, v]), sd(draws[, v]),
              quantile(draws[, v], 0.025), quantile(draws[, v], 0.975)))
}
r2 <- bayes_R2(fit)
cat(sprintf("bayes_R2 median=%.5f q025=%.5f q975=%.5f\n", median(r2), quantile(r2, 0.025), quantile(r2, 0.975)))
