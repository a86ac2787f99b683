using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;

namespace Cltool.Testing;

/// <summary>A checkpoint's adapter as the tests read it, by family.</summary>
public static class CheckpointAdapters
{
    public static IReadOnlyList<LoraDirection> Directions(this ContinualCheckpoint checkpoint) => checkpoint.AdapterAs<DirectionSet>().Directions;

    public static double[] Magnitudes(this ContinualCheckpoint checkpoint) => checkpoint.AdapterAs<DirectionSet>().Magnitudes;

    public static RoutedLora Routed(this ContinualCheckpoint checkpoint) => checkpoint.AdapterAs<RoutedLora>();

    public static InfLoraState InfLora(this ContinualCheckpoint checkpoint) => checkpoint.AdapterAs<InfLoraState>();
}
