using Cltool.Core.Adapters.Subspace;
using Cltool.Trainer.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Subspace;

/// <summary>
/// InfLoRA's linear algebra on one adapted block, in float64 on the CPU (reference/inflora.md §2): the design of a task's
/// down-projection from its inputs' second moments C outside the stored subspace M, and M's growth after the task.
/// Following the official code: the SVD of (I − MMᵀ)C (not of the token matrix), rows scaled by 1/√3, energy counted on
/// S(C)². Two fixes the brief recommends: directions without energy are not designed (their rows stay 0, where the
/// code would take null-space vectors that may lie inside M), and M is re-orthonormalised (QR) after each growth.
/// </summary>
public static class SubspaceDesign
{
    /// <summary>Singular values of the residual below this share of ‖C‖_F carry no input energy (the free-space guard): rounding leaves ~d·1e-16.</summary>
    const double EmptyDirection = 1e-10;

    /// <summary>The code's row scale: kaiming_uniform(a=√5)'s row norm on any fan-in, which the designed rows replace.</summary>
    static readonly double RowScale = 1 / Math.Sqrt(3);

    /// <summary>
    /// The down-projection [rank, dim] (float64): the top singular vectors of (I − MMᵀ)C as rows scaled by 1/√3, and
    /// how many rows found input energy outside M (the rest are 0).
    /// </summary>
    public static (Tensor Down, int Designed) Design(Tensor moments, SubspaceBasis basis, int rank)
    {
        using var scope = NewDisposeScope();
        Tensor residual = Residual(moments, basis);
        (Tensor u, Tensor s, _) = linalg.svd(residual, fullMatrices: false);
        double[] singular = s.data<double>().ToArray();
        double energy = moments.norm().item<double>();
        int designed = Math.Min(rank, singular.Count(value => value > EmptyDirection * energy));
        Tensor down = zeros([rank, basis.Dim], float64);
        using Scalar scale = RowScale.ToScalar();
        if (designed > 0) down.narrow(0, 0, designed).copy_(u.narrow(1, 0, designed).t().mul(scale));
        return (down.MoveToOuterDisposeScope(), designed);
    }

    /// <summary>
    /// M after a task whose inputs have second moments <paramref name="moments"/>, at threshold ε (the code's
    /// update_DualGPM in remove mode; <see cref="EnergyRule"/> counts the new directions).
    /// </summary>
    public static SubspaceBasis Grow(Tensor moments, SubspaceBasis basis, double threshold)
    {
        using var scope = NewDisposeScope();
        int dim = basis.Dim;
        if (basis.Size == 0)
        {
            (Tensor u, Tensor s, _) = linalg.svd(moments, fullMatrices: false);
            return Basis(u.narrow(1, 0, EnergyRule.FirstTask(s.data<double>().ToArray(), threshold)), dim);
        }
        Tensor residual = Residual(moments, basis);
        (Tensor ur, Tensor sr, _) = linalg.svd(residual, fullMatrices: false);
        double total = SquaredNorm(moments), left = SquaredNorm(residual);
        int added = Math.Min(EnergyRule.LaterTask(total, left, sr.data<double>().ToArray(), threshold), dim - basis.Size);
        if (added == 0) return basis;
        (Tensor q, _) = linalg.qr(cat([Columns(basis), ur.narrow(1, 0, added)], 1));
        return Basis(q, dim);
    }

    /// <summary>(I − MMᵀ)C: the inputs' second moments with the stored subspace removed.</summary>
    public static Tensor Residual(Tensor moments, SubspaceBasis basis)
    {
        if (basis.Size == 0) return moments.clone();
        Tensor m = Columns(basis);
        return moments.sub(m.mm(m.t().mm(moments)));
    }

    /// <summary>M as a float64 tensor [dim, size].</summary>
    public static Tensor Columns(SubspaceBasis basis) => tensor(basis.Columns, [basis.Dim, basis.Size], float64);

    static SubspaceBasis Basis(Tensor columns, int dim) => new(dim, columns.contiguous().data<double>().ToArray());

    static double SquaredNorm(Tensor matrix) => matrix.pow(Scalars.Two).sum().item<double>();
}
