using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>
/// Moves stored class statistics by one task's feature drift, estimated from that task's training images embedded before
/// and after it trained (../shared/reference/drift-compensation.md). Computed in float64 and rounded to float32, as the
/// statistics are stored: the same inputs give the same bits, so a resumed run and eval --drift replay exactly what the
/// uninterrupted run computed.
/// </summary>
public static class DriftCompensation
{
    /// <summary>
    /// <paramref name="old"/> (the statistics of the tasks before <paramref name="before"/>'s, as compensated so far) moved
    /// by <paramref name="compensation"/>'s estimate of the drift between <paramref name="before"/> and <paramref name="after"/>.
    /// </summary>
    public static ClassStatistics[] Move(string compensation, IReadOnlyList<ClassStatistics> old, TaskEmbeddings before, TaskEmbeddings after,
                                         double bandwidth, double ridge)
    {
        using var scope = NewDisposeScope();
        Tensor zOld = HostTensors.Wide(before.Features), zNew = HostTensors.Wide(after.Features);
        Tensor means = cat(old.Select(stats => HostTensors.Wide(stats.Means)).ToArray(), 0);
        return compensation switch
        {
            DriftCompensations.MeanShift => Split(old, means.add(MeanShifts(means, zOld, zNew, bandwidth), Scalars.One), covariances: null),
            DriftCompensations.Linear => MoveLinearly(old, means, zOld, zNew, ridge, before.Task),
            _ => throw new ArgumentOutOfRangeException(nameof(compensation), compensation, "not a drift compensation that moves statistics"),
        };
    }

    /// <summary>
    /// SDC's shift of each old mean: Σ_i w_ic (z_new,i − z_old,i) / Σ_i w_ic with w_ic = exp(−‖z_old,i − μ_c‖² / 2σ²), σ the
    /// bandwidth times the median sample-to-mean distance. The normalised weights are a softmax over samples, computed as one
    /// (no weight underflows to a 0/0: a class far from every sample takes its nearest samples' drift, the formula's limit).
    /// </summary>
    public static Tensor MeanShifts(Tensor means, Tensor zOld, Tensor zNew, double bandwidth)
    {
        Tensor squared = cdist(zOld, means).pow(Scalars.Two);
        double sigma = bandwidth * squared.sqrt().median().item<double>();
        using Scalar scale = (-1 / (2 * sigma * sigma)).ToScalar();
        Tensor weights = squared.mul(scale).softmax(0);
        return weights.t().matmul(zNew.sub(zOld));
    }

    /// <summary>
    /// LDC/SLDC's affine map z_new ≈ z_old·A + b, the ridge least-squares fit on the current samples (the bias not
    /// penalised, A pulled towards I); then μ ← μ·A + b and Σ ← Aᵀ(Σ − rI)A + rI, the stored ridge r kept as it was added.
    /// </summary>
    static ClassStatistics[] MoveLinearly(IReadOnlyList<ClassStatistics> old, Tensor means, Tensor zOld, Tensor zNew, double ridge, int task)
    {
        (Tensor map, Tensor shift) = FitAffine(zOld, zNew, ridge, task);
        Tensor moved = means.matmul(map).add(shift, Scalars.One);
        using Scalar storedRidge = FeatureStatistics.Ridge.ToScalar();
        Tensor[] covariances = old.Select(stats =>
        {
            Tensor sigma = HostTensors.Wide(stats.Covariances);
            if (stats.Covariance == CovarianceKinds.Full)
            {
                Tensor ridgeDiagonal = eye(stats.Dim, dtype: float64).mul(storedRidge);
                return map.t().matmul(sigma.sub(ridgeDiagonal)).matmul(map).add(ridgeDiagonal, Scalars.One);
            }
            // A diagonal covariance stays diagonal: the diagonal of Aᵀ diag(σ − r) A.
            return sigma.sub(storedRidge).matmul(map.pow(Scalars.Two)).add(storedRidge, Scalars.One);
        }).ToArray();
        return Split(old, moved, covariances);
    }

    /// <summary>
    /// The ridge fit (A [d, d], b [d]); λ = <paramref name="ridge"/> × the mean eigenvalue of z_oldᵀz_old. The ridge pulls A
    /// towards the identity (it penalises ‖A − I‖², not ‖A‖² as SLDC's closed form does): where the current samples say
    /// nothing about a direction, no drift is assumed there, and a backbone that did not move leaves the statistics as
    /// they are, whatever λ.
    /// </summary>
    public static (Tensor Map, Tensor Shift) FitAffine(Tensor zOld, Tensor zNew, double ridge, int task)
    {
        long samples = zOld.shape[0], dim = zOld.shape[1];
        if (ridge == 0 && samples < dim + 1)
            throw new CltoolException($"The linear drift map of task {task + 1} cannot be fitted: {samples} current samples for {dim + 1} unknowns " +
                                      "per feature (the features' width plus a bias) and no ridge; set compensationRidge above 0.");
        Tensor x = cat([zOld, ones([samples, 1], dtype: float64)], 1);
        Tensor gram = x.t().matmul(x);
        double lambda = ridge * zOld.pow(Scalars.Two).sum().item<double>() / dim;
        using Scalar penalty = lambda.ToScalar();
        Tensor penalised = diag(cat([ones([dim], dtype: float64), zeros([1], dtype: float64)], 0)).mul(penalty);
        (Tensor factor, Tensor info) = linalg.cholesky_ex(gram.add(penalised, Scalars.One));
        if (info.item<int>() != 0)
            throw new CltoolException($"The linear drift map of task {task + 1} cannot be fitted: the {samples} current samples span fewer than the " +
                                      $"{dim + 1} directions of the features and a bias (ridge {ridge}); set compensationRidge above 0.");
        Tensor solution = cholesky_solve(x.t().matmul(zNew.sub(zOld)), factor);
        return (solution.narrow(0, 0, dim).add(eye(dim, dtype: float64), Scalars.One), solution[dim]);
    }

    /// <summary>The moved means (and covariances, or the old ones when null) split back into each task's statistics, rounded to float32.</summary>
    static ClassStatistics[] Split(IReadOnlyList<ClassStatistics> old, Tensor means, Tensor[]? covariances)
    {
        var moved = new ClassStatistics[old.Count];
        for (int t = 0, first = 0; t < old.Count; first += old[t].Classes, t++)
            moved[t] = old[t] with
            {
                Means = HostTensors.From(means.narrow(0, first, old[t].Classes).to(float32)),
                Covariances = covariances is null ? old[t].Covariances : HostTensors.From(covariances[t].to(float32)),
            };
        return moved;
    }
}
