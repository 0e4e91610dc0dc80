# Oracle for tests/test_kendall.py: Bayesian Kendall's tau (van Doorn, Ly, Marsman &
# Wagenmakers 2018, The American Statistician 72(4)), written here from the paper's formulas as
# in the authors' published R functions (osf.io/b9qhj): the prior on tau implied by a stretched
# Beta(1/kappa, 1/kappa) prior on rho, the likelihood N(T*; 1.5 tau sqrt(n), 1) and the
# Savage-Dickey Bayes factor; R's integrate() at rel.tol = 1e-13 split at the posterior's peak,
# quantiles by uniroot (tol = 1e-13) on the integrated density.
# Usage: Rscript scripts/crosscheck_kendall.R   (needs r-base-core only)
# Writes tests/data/kendall_oracle.csv and prints the tied-data cases of the tests.
prior_tau <- function(tau, kappa) {
  a <- 1 / kappa
  (pi * 2^(-2 * a) / beta(a, a)) * cos(pi * tau / 2)^(2 * a - 1)
}
t_star <- function(tau, n) (tau * n * (n - 1) / 2) / sqrt(n * (n - 1) * (2 * n + 5) / 18)
limits <- list("two-sided" = c(-1, 1), greater = c(0, 1), less = c(-1, 0))
oracle <- function(tau, n, kappa, alt, ci = 0.95) {
  ts <- t_star(tau, n)
  f <- function(d) dnorm(ts, 1.5 * d * sqrt(n), sd = 1) * prior_tau(d, kappa)
  lim <- limits[[alt]]
  peak <- min(max(ts / (1.5 * sqrt(n)), lim[1]), lim[2])
  cuts <- sort(unique(pmin(pmax(c(lim[1], peak + c(-0.2, -0.05, 0, 0.05, 0.2), lim[2]),
                                lim[1]), lim[2])))
  piece <- function(a, b) {
    if (b > a) integrate(f, a, b, rel.tol = 1e-13, subdivisions = 4000L)$value else 0
  }
  integ <- function(a, b) {
    cs <- c(a, cuts[cuts > a & cuts < b], b)
    sum(mapply(piece, head(cs, -1), tail(cs, -1)))
  }
  mass <- integ(lim[1], lim[2])
  prior0 <- if (alt == "two-sided") prior_tau(0, kappa) else 2 * prior_tau(0, kappa)
  bf <- prior0 / (f(0) / mass)
  q <- function(p) uniroot(function(x) integ(lim[1], x) / mass - p, lim, tol = 1e-13)$root
  c(bf = bf, median = q(0.5), low = q((1 - ci) / 2), high = q((1 + ci) / 2))
}
grid <- expand.grid(tau = c(-0.6, -0.3, -0.05, 0, 0.1, 0.25, 0.45), n = c(10, 46, 120),
                    kappa = c(1 / 3, 1, 2), alt = c("two-sided", "greater", "less"),
                    stringsAsFactors = FALSE)
out <- t(mapply(function(tau, n, kappa, alt) oracle(tau, n, kappa, alt),
                grid$tau, grid$n, grid$kappa, grid$alt))
write.csv(cbind(grid, out), "tests/data/kendall_oracle.csv", row.names = FALSE)
cases <- function(d, pairs) {
  for (p in pairs) {
    ok <- complete.cases(d[, p]); x <- d[ok, p[1]]; y <- d[ok, p[2]]
    tau <- cor(x, y, method = "kendall"); n <- length(x)
    pv <- suppressWarnings(cor.test(x, y, method = "kendall")$p.value)
    pg <- suppressWarnings(cor.test(x, y, method = "kendall", alternative = "greater")$p.value)
    o <- lapply(c("two-sided", "greater", "less"), function(a) oracle(tau, n, 1, a))
    cat(sprintf("%s %s n=%d tau=%.15g p=%.15g p_greater=%.15g bf10=%.15g bfplus=%.15g ",
                p[1], p[2], n, tau, pv, pg, o[[1]][["bf"]], o[[2]][["bf"]]),
        sprintf("bfminus=%.15g median=%.15g low=%.15g high=%.15g\n", o[[3]][["bf"]],
                o[[1]][["median"]], o[[1]][["low"]], o[[1]][["high"]]))
  }
}
# tests/data/kendall_r_example.csv was drawn once with: set.seed(3); x <- round(rnorm(46) * 3);
# y <- round(x / 3 + rnorm(46) * 2); x2 <- rnorm(46); y2 <- x2 / 3 + rnorm(46)
cases(read.csv("tests/data/kendall_r_example.csv"), list(c("x", "y"), c("x2", "y2")))
cases(read.csv("bayes_peer/data/demo_study.csv"),
      list(c("alliance_m12", "contacts_m12"), c("contacts_m24", "empowerment_m24")))
