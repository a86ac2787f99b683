using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Routed;

/// <summary>
/// C-LoRA on one projection of one block: ΔW = Up·(RoutingOld + RoutingDelta)·Down, with Down [r, dim] (the paper's B,
/// PEFT's lora_A), Up [dim, r] (the paper's A, PEFT's lora_B) and the r×r routing. RoutingDelta is the current task's
/// trainable part; it is null once a task is finished (merged into RoutingOld).
/// </summary>
public sealed record RoutedLoraModule(HostTensor Down, HostTensor Up, HostTensor RoutingOld, HostTensor? RoutingDelta)
{
    public int Rank => (int)Down.Shape[0];

    /// <summary>The width of the projection it adapts.</summary>
    public int Dim => (int)Down.Shape[1];

    /// <summary>RoutingOld + RoutingDelta in float64, row-major [r, r].</summary>
    public double[] Routing() =>
        RoutingOld.Data.Select((value, i) => (double)value + (RoutingDelta?.Data[i] ?? 0)).ToArray();

    /// <summary>Up·R as float64 [dim, r]: the up-projection with the routing folded in.</summary>
    public double[] RoutedUp()
    {
        int rank = Rank, dim = Dim;
        double[] routing = Routing();
        var routedUp = new double[dim * rank];
        for (int row = 0; row < dim; row++)
            for (int k = 0; k < rank; k++)
            {
                double up = Up.Data[row * rank + k];
                for (int column = 0; column < rank; column++) routedUp[row * rank + column] += up * routing[k * rank + column];
            }
        return routedUp;
    }

    /// <summary><paramref name="into"/> += Up·R·Down, with <paramref name="into"/> a dense row-major [dim, dim] float64 matrix.</summary>
    public void AddProductTo(double[] into) => LowRankProduct.Add(into, RoutedUp(), Down.Data, Rank, 1);

    /// <summary>The numbers a finished task stores: Down, Up and RoutingOld (RoutingDelta lives only mid-task).</summary>
    public long Parameters => Down.Data.LongLength + Up.Data.LongLength + RoutingOld.Data.LongLength;
}
