# Reference values for the Firth-penalised Cox model (tkicohort.stats.firth), two independent ways:
#
# 1. "coxphf": R's coxphf package (Heinze, Ploner, Jiricka, Steiner; version in R_VERSION_FIRTH.txt), Breslow ties,
#    profile penalised-likelihood CIs and penalised likelihood-ratio p (its defaults), convergence tightened to
#    1e-12. coxphf is not in Debian: install the CRAN sources into a private library, e.g.
#      git clone https://github.com/cran/coxphf && R CMD INSTALL -l ~/Rlib coxphf   (needs gfortran)
#    and run with COXPHF_LIB=~/Rlib. coxphf reports its penalised log-likelihood on standardised covariates (a
#    constant apart from ours), so only its likelihood-ratio statistics are stored.
# 2. "independent": the penalised log-likelihood l(b) + 0.5 log det I(b) built from survival::coxph's own
#    log-likelihood and variance at a fixed b (init = b, iter.max = 0), for Efron and Breslow ties; maximum (and each
#    profile point, over the other coefficients) by optim's BFGS polished by Newton steps on central-difference
#    derivatives, profile limits by uniroot. With Breslow ties it must agree with coxphf, which the script checks
#    (to 1e-6) before writing.
#
# Run from this folder: COXPHF_LIB=/path/to/lib Rscript make_firth_reference.R   (writes firth.csv)
lib <- Sys.getenv("COXPHF_LIB")
if (nzchar(lib)) .libPaths(c(lib, .libPaths()))
suppressMessages({library(survival); library(coxphf)})
options(digits = 17)

lung <- read.csv("lung.csv")
zj <- read.csv("zhujiang.csv")
zj <- zj[zj$evaluable == 1, ]
zj$pfs_months <- zj$pfs_days / 30.4375
zj$hfs_no <- as.integer(zj$hfs == 0)  # the single patient without HFS against the 25 with it
cases <- list(
  list(name = "separated", data = data.frame(time = c(5, 8, 12, 3, 20, 25, 30, 9, 14, 40),
                                             status = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
                                             x = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0)), covariates = "x"),
  list(name = "lung", data = lung, covariates = "sex"),
  list(name = "lung", data = na.omit(lung), covariates = "age sex ph_ecog"),
  list(name = "zhujiang", data = data.frame(time = zj$pfs_months, status = zj$pfs_event, hfs_no = zj$hfs_no),
       covariates = "hfs_no"),
  list(name = "zhujiang", data = data.frame(time = zj$pfs_months, status = zj$pfs_event, female = zj$female,
                                            lung_only = zj$lung_only, met_bone = zj$met_bone, hfs = zj$hfs,
                                            tg_response_60 = zj$tg_response_60),
       covariates = "female lung_only met_bone hfs tg_response_60"))
level <- qchisq(0.95, 1)

independent <- function(d, vars, ties) {
  f <- as.formula(paste("Surv(time, status) ~", paste(vars, collapse = " + ")))
  pen <- function(b) {  # a point where exp(xb) overflows is worse than any other (optim needs a finite value)
    value <- tryCatch({
      fit <- coxph(f, data = d, ties = ties, init = b, control = coxph.control(iter.max = 0))
      fit$loglik[2] + 0.5 * determinant(solve(fit$var), logarithm = TRUE)$modulus[1]
    }, error = function(e) -1e100)
    if (is.finite(value)) value else -1e100
  }
  # BFGS (optimize for one coefficient), then Newton steps: gradient by central differences of 1e-5 standard
  # errors (truncation and rounding both below 1e-9), Hessian by differences of 1e-3 standard errors; until a step
  # is below 1e-9 standard errors
  maximise <- function(fn, start, se) {
    k <- length(start)
    b <- if (k == 1) optimize(fn, start + c(-20, 20), maximum = TRUE, tol = 1e-12)$maximum else
      optim(start, fn, method = "BFGS", control = list(fnscale = -1, reltol = 1e-14, maxit = 1000))$par
    for (iter in 1:30) {
      e <- diag(1e-5 * se, k)
      grad <- sapply(1:k, function(i) (fn(b + e[, i]) - fn(b - e[, i])) / (2e-5 * se[i]))
      e <- diag(1e-3 * se, k)
      hess <- matrix(0, k, k)
      for (i in 1:k) for (j in i:k) {
        hess[i, j] <- hess[j, i] <- (fn(b + e[, i] + e[, j]) - fn(b + e[, i] - e[, j]) - fn(b - e[, i] + e[, j]) +
                                     fn(b - e[, i] - e[, j])) / (4e-6 * se[i] * se[j])
      }
      step <- solve(hess, grad)
      b <- b - step
      if (max(abs(step) / se) < 1e-9) break
    }
    b
  }
  p <- length(vars)
  start <- if (p == 1) 0 else unname(coef(coxph(f, data = d, ties = ties)))  # multivariable cases have an ML fit
  se <- sqrt(diag(coxph(f, data = d, ties = ties, init = start, control = coxph.control(iter.max = 0))$var))
  b <- maximise(pen, start, se)
  top <- pen(b)
  profile <- function(j, value) {
    if (p == 1) return(pen(value))
    fill <- function(rest) { full <- numeric(p); full[j] <- value; full[-j] <- rest; full }
    rest <- maximise(function(r) pen(fill(r)), b[-j], se[-j])
    pen(fill(rest))
  }
  limit <- function(j, direction) {
    g <- function(v) 2 * (top - profile(j, v)) - level
    step <- 0.5
    while (g(b[j] + direction * step) < 0) {
      step <- 2 * step
      if (abs(b[j] + direction * step) > 50) return(direction * Inf)
    }
    uniroot(g, sort(b[j] + direction * c(0, step)), tol = 1e-11)$root
  }
  fit0 <- coxph(f, data = d, ties = ties, init = b, control = coxph.control(iter.max = 0))
  out <- data.frame(term = vars, coef = b, se = sqrt(diag(fit0$var)),
                    ci_low = sapply(seq_len(p), limit, direction = -1),
                    ci_high = sapply(seq_len(p), limit, direction = 1),
                    chisq = sapply(seq_len(p), function(j) 2 * (top - profile(j, 0))))
  out$p <- pchisq(out$chisq, 1, lower.tail = FALSE)
  out$penalized_loglik <- top
  out$penalized_loglik_null <- pen(rep(0, p))
  out$model_lr_chisq <- 2 * (top - out$penalized_loglik_null)
  out
}

via_coxphf <- function(d, vars) {
  f <- as.formula(paste("Surv(time, status) ~", paste(vars, collapse = " + ")))
  fit <- coxphf(f, data = d, epsilon = 1e-12, gconv = 1e-12, maxit = 1000, maxstep = 0.5)
  data.frame(term = vars, coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
             ci_low = unname(log(fit$ci.lower)), ci_high = unname(log(fit$ci.upper)),
             chisq = unname(qchisq(fit$prob, 1, lower.tail = FALSE)), p = unname(fit$prob),
             penalized_loglik = NA, penalized_loglik_null = NA, model_lr_chisq = 2 * diff(fit$loglik))
}

firth <- data.frame()
for (case in cases) {
  vars <- strsplit(case$covariates, " ")[[1]]
  key <- function(method, ties) data.frame(dataset = case$name, covariates = case$covariates, ties = ties,
                                           method = method)
  ref <- via_coxphf(case$data, vars)
  breslow <- independent(case$data, vars, "breslow")
  gap <- max(abs(c(breslow$coef - ref$coef, breslow$ci_low - ref$ci_low, breslow$ci_high - ref$ci_high)) /
             rep(ref$se, 3))  # in standard errors
  cat(sprintf("%s %s: coxphf and the independent build differ by %.1e standard errors\n", case$name,
              case$covariates, gap))
  if (!is.finite(gap) || gap > 1e-6) stop("they should agree")
  firth <- rbind(firth, cbind(key("coxphf", "breslow"), ref), cbind(key("independent", "breslow"), breslow),
                 cbind(key("independent", "efron"), independent(case$data, vars, "efron")))
}
write.csv(firth, "firth.csv", row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survival", packageVersion("survival")),
             paste("coxphf", packageVersion("coxphf"))), "R_VERSION_FIRTH.txt")
