namespace Cltool.Core.Adapters.Directions;

/// <summary>
/// SD-LoRA-KD (paper §3.5, Eq. 7–8, Algorithm 1 lines 9–12): after a task, the newest direction of each block's q and v
/// is fitted by least squares with the earlier directions of the same module; if the fit leaves a residual within τ,
/// the new direction is dropped there and its fitted image is added to the earlier directions' magnitudes. Decisions
/// where the paper is open (docs/continual-training.md, "SD-LoRA-KD"):
/// <list type="bullet">
/// <item>Per module, not one global Δα: the residual Eq. 7 bounds is a per-matrix quantity, and a global solve would
/// absorb a module the earlier directions cannot express because others can (LibContinual also solves per module).</item>
/// <item>The residual is the paper's unsquared ‖·‖_F of directions scaled to unit Frobenius norm (Eq. 3's overline), so
/// τ is a relative error, the same for any layer, width and normalisation convention. LibContinual compares torch's
/// squared residual of the code's ‖B‖‖A‖-scaled directions, whose size ‖BA‖/(‖B‖‖A‖) has nothing to do with how well
/// the earlier directions span them (tools/analysis/kd-criteria.py computes both readings for a run).</item>
/// <item>The function is preserved (Eq. 8 adds Δα_k and so ignores the new direction's own magnitude): the new term
/// s_t·D_t, s_t its current scale, becomes Σ s_t·‖D_t‖·β_k·u_k, i.e. an offset s_t·‖D_t‖·β_k·n_k/‖D_k‖ on direction k,
/// which the model divides by n_k.</item>
/// <item>From the second task on (the first with an earlier direction), as Algorithm 1 runs it.</item>
/// </list>
/// Float64 throughout; the earlier unit directions are orthonormalised by modified Gram–Schmidt (twice, for the
/// tiny residuals τ is about), and a direction already in the span of the ones before it gets coefficient 0.
/// </summary>
public static class DirectionAbsorption
{
    public const double PaperThreshold = 9e-4;

    /// <summary>The fit of the last of <paramref name="directions"/> in every module, with the model's current magnitudes.</summary>
    public static IReadOnlyList<ModuleFit> Plan(IReadOnlyList<LoraDirection> directions, IReadOnlyList<double> magnitudes, double threshold)
    {
        int depth = directions[^1].Query.Length, newest = directions.Count - 1;
        var fits = new List<ModuleFit>();
        for (int block = 0; block < depth; block++)
        {
            for (int projection = 0; projection < 2; projection++)
            {
                double[][] earlier = directions.Take(newest).Select(d => d.Factors(block, projection).Product()).ToArray();
                double[] next = directions[newest].Factors(block, projection).Product();
                (double[] beta, double residual) = Fit(earlier, next);
                double scale = directions[newest].Scale(magnitudes[newest], block, projection) * Norm(next);
                double[] deltas = beta.Select((b, k) => b == 0 ? 0 : scale * b * directions[k].Norms[block, projection] / Norm(earlier[k])).ToArray();
                fits.Add(new ModuleFit(block, projection, residual, residual <= threshold, deltas));
            }
        }
        return fits;
    }

    /// <summary>
    /// β minimising ‖u − Σ β_k c_k‖ over unit-scaled columns c_k = columns[k]/‖columns[k]‖ and u = target/‖target‖, and
    /// that residual. A zero target (a direction that never moved) fits exactly with β = 0; zero columns get β = 0.
    /// </summary>
    public static (double[] Beta, double Residual) Fit(IReadOnlyList<double[]> columns, double[] target)
    {
        var beta = new double[columns.Count];
        double targetNorm = Norm(target);
        if (targetNorm == 0) return (beta, 0);
        double[] residual = Scaled(target, 1 / targetNorm);
        var basis = new List<(int Column, double[] Q)>();
        var r = new double[columns.Count, columns.Count];   // R of the QR of the independent unit columns
        for (int k = 0; k < columns.Count; k++)
        {
            double norm = Norm(columns[k]);
            if (norm == 0) continue;
            double[] q = Scaled(columns[k], 1 / norm);
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < basis.Count; j++)
                {
                    double projection = Dot(basis[j].Q, q);
                    r[j, k] += projection;
                    Axpy(-projection, basis[j].Q, q);
                }
            double rest = Norm(q);
            if (rest < 1e-10) continue;   // within rounding of the span of the columns before it: it adds nothing
            r[basis.Count, k] = rest;
            basis.Add((k, Scaled(q, 1 / rest)));
        }
        var coefficients = new double[basis.Count];
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < basis.Count; j++)
            {
                double projection = Dot(basis[j].Q, residual);
                coefficients[j] += projection;
                Axpy(-projection, basis[j].Q, residual);
            }
        for (int j = basis.Count - 1; j >= 0; j--)   // back-substitution R·β = Qᵀu over the independent columns
        {
            double sum = coefficients[j];
            for (int i = j + 1; i < basis.Count; i++) sum -= r[j, basis[i].Column] * beta[basis[i].Column];
            beta[basis[j].Column] = sum / r[j, basis[j].Column];
        }
        return (beta, Norm(residual));
    }

    static double Dot(double[] x, double[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    static double Norm(double[] x) => Math.Sqrt(Dot(x, x));

    static void Axpy(double alpha, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    static double[] Scaled(double[] x, double factor) => x.Select(v => v * factor).ToArray();
}
