// Student t quantiles for the 95 % confidence interval: the regularized
// incomplete beta function by its continued fraction (modified Lentz), the t
// distribution's CDF from it, and the quantile by bisection on that CDF.
#include <cmath>
#include <limits>

#include "cx/scoring/scoring.hpp"

namespace cx {

namespace {

// Continued fraction for I_x(a, b), converging fast for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
    constexpr double kTiny = 1e-300;
    constexpr double kEpsilon = 1e-15;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1.0 / d;
    double fraction = d;
    for (int m = 1; m <= 10000; ++m) {
        double m2 = 2.0 * m;
        double even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + even * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + even / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        fraction *= d * c;
        double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + odd * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + odd / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        double step = d * c;
        fraction *= step;
        if (std::fabs(step - 1.0) < kEpsilon) break;
    }
    return fraction;
}

// P(T ≤ t) for Student's t with df degrees of freedom.
double student_t_cdf(double t, double df) {
    double tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    return t >= 0 ? 1.0 - tail : tail;
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    double log_front =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    double front = std::exp(log_front);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
    return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double student_t_quantile(double p, double df) {
    if (!(p > 0.0 && p < 1.0) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    if (p < 0.5) return -student_t_quantile(1.0 - p, df);
    double low = 0.0;
    double high = 1.0;
    while (student_t_cdf(high, df) < p) high *= 2.0;
    // The CDF is monotone: 200 halvings reach the double's resolution.
    for (int i = 0; i < 200 && high - low > 1e-14 * high; ++i) {
        double middle = 0.5 * (low + high);
        (student_t_cdf(middle, df) < p ? low : high) = middle;
    }
    return 0.5 * (low + high);
}

}  // namespace cx
