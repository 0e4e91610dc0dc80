# Oracle for tests/test_factors.py: blocked regressions, model averaging and partial
# correlations with categorical covariates, on tests/data/factors_study.csv.
# Usage: Rscript scripts/crosscheck_factors.R   (needs r-base-core, r-cran-bayesfactor)
# Prints the values the tests carry (17 significant digits; Bayes factors with BayesFactor's
# proportional error estimate).
#
# Coding as bayes_peer's: treatment contrasts, the first level in sorted order as reference
# (site: north; sex: f; group: 1), unless a test sets another. The JZS Bayes factors come from
# lmBF on the dummy-coded *numeric* design, where every continuous covariate shares one g
# (rscaleCont = sqrt(2)/4, "medium"): that is the prior of bayes_peer's block and model BFs.
suppressMessages(library(BayesFactor))
options(digits = 17)
d <- read.csv("tests/data/factors_study.csv", na.strings = c("", "NA"))
cat("BayesFactor", as.character(packageVersion("BayesFactor")), R.version.string, "\n")
d$site <- factor(d$site, levels = c("north", "south", "west"))
d$sex <- factor(d$sex, levels = c("f", "m"))
d$group <- factor(d$group, levels = c("1", "2"))
show <- function(label, x) cat(label, paste(format(x, digits = 17), collapse = " "), "\n")

# 1. Blocked regression y ~ [x1, sex] + [site, x2] on the rows complete on all of them.
cc <- d[complete.cases(d[, c("y", "x1", "x2", "site", "sex")]), ]
show("n", nrow(cc))
m1 <- lm(y ~ x1 + sex, data = cc)
m2 <- lm(y ~ x1 + sex + site + x2, data = cc)
show("r2", c(summary(m1)$r.squared, summary(m2)$r.squared))
a1 <- anova(lm(y ~ 1, data = cc), m1)
a2 <- anova(m1, m2)
show("block1 F df1 df2 p", c(a1$F[2], a1$Df[2], a1$Res.Df[2], a1[["Pr(>F)"]][2]))
show("block2 F df1 df2 p", c(a2$F[2], a2$Df[2], a2$Res.Df[2], a2[["Pr(>F)"]][2]))
print(coef(summary(m2)))
X <- data.frame(y = cc$y, x1 = cc$x1, x2 = cc$x2, sexm = as.numeric(cc$sex == "m"),
                sitesouth = as.numeric(cc$site == "south"),
                sitewest = as.numeric(cc$site == "west"))
b1 <- extractBF(lmBF(y ~ x1 + sexm, data = X, rscaleCont = sqrt(2) / 4))
b2 <- extractBF(lmBF(y ~ x1 + sexm + sitesouth + sitewest + x2, data = X,
                     rscaleCont = sqrt(2) / 4))
show("lmBF block1 bf error", c(b1$bf, b1$error))
show("lmBF full bf error", c(b2$bf, b2$error))

# 2. Another reference level: site = west (coefficients change, fit and F do not).
cc$site_w <- relevel(cc$site, ref = "west")
print(coef(summary(lm(y ~ x1 + sex + site_w + x2, data = cc))))

# 3. A numeric code declared a factor (group: 1/2) with a three-level factor in one block.
cg <- d[complete.cases(d[, c("y", "x2", "site", "group")]), ]
show("group n", nrow(cg))
g1 <- lm(y ~ x2, data = cg)
g2 <- lm(y ~ x2 + site + group, data = cg)
ag <- anova(g1, g2)
show("group block2 F df1 df2 p", c(ag$F[2], ag$Df[2], ag$Res.Df[2], ag[["Pr(>F)"]][2]))
print(coef(summary(g2)))

# 4. Model averaging over the terms x1, site, x2 with sex forced in: each model's BF against
# the forced-only model, a factor's columns entering together.
models <- list(c(), c("x1"), c("sitesouth", "sitewest"), c("x2"),
               c("x1", "sitesouth", "sitewest"), c("x1", "x2"),
               c("sitesouth", "sitewest", "x2"), c("x1", "sitesouth", "sitewest", "x2"))
names(models) <- c("forced", "x1", "site", "x2", "x1+site", "x1+x2", "site+x2", "x1+site+x2")
forced <- extractBF(lmBF(y ~ sexm, data = X, rscaleCont = sqrt(2) / 4))$bf
for (name in names(models)) {
  terms <- c("sexm", models[[name]])
  f <- as.formula(paste("y ~", paste(terms, collapse = " + ")))
  b <- extractBF(lmBF(f, data = X, rscaleCont = sqrt(2) / 4))
  show(paste("bma", name, "log_bf error"), c(log(b$bf / forced), b$error))
}

# 5. Partial correlation of y and x1 given site and x2 (rows complete on all four): the
# correlation of the residuals, t test with n - 2 - m df (m = 3 control columns).
cp <- d[complete.cases(d[, c("y", "x1", "site", "x2")]), ]
ry <- resid(lm(y ~ site + x2, data = cp))
rx <- resid(lm(x1 ~ site + x2, data = cp))
r <- cor(ry, rx)
df <- nrow(cp) - 2 - 3
t <- r * sqrt(df / (1 - r^2))
show("partial n r t p", c(nrow(cp), r, t, 2 * pt(-abs(t), df)))
