using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>
/// Weight aligning (Zhao et al. 2020; PyCIL's weight_align): the new rows are multiplied by γ = mean‖old row‖ / mean‖new row‖,
/// so new classes stop out-scoring old ones by norm alone. Biases are left as they are, as PyCIL does.
/// </summary>
public static class WeightAlignment
{
    public static LinearHead Align(LinearHead head, int known)
    {
        int seen = (int)head.Weight.Shape[0], dim = (int)head.Weight.Shape[1];
        if (known == 0 || known == seen) return head;
        double RowNorm(int row) => Math.Sqrt(head.Weight.Data.AsSpan(row * dim, dim).ToArray().Sum(w => (double)w * w));
        double gamma = Enumerable.Range(0, known).Average(RowNorm) / Enumerable.Range(known, seen - known).Average(RowNorm);
        float[] weight = (float[])head.Weight.Data.Clone();
        for (int i = known * dim; i < weight.Length; i++) weight[i] = (float)(weight[i] * gamma);
        return head with { Weight = new HostTensor(weight, head.Weight.Shape) };
    }
}
