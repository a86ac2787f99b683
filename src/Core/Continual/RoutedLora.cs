namespace Cltool.Core.Continual;

/// <summary>
/// C-LoRA's adapter in a checkpoint: one <see cref="RoutedLoraModule"/> per block and target projection
/// (<c>Modules[block][target]</c>, targets in the order of <see cref="CLoraSettings.TargetNames"/>).
/// </summary>
public sealed record RoutedLora(RoutedLoraModule[][] Modules)
{
    public long Parameters => Modules.Sum(block => block.Sum(module => module.Parameters));
}
