using System.Globalization;

namespace Cltool.Core.Continual;

/// <summary>
/// The parts every method's numbers fall into. For SD-LoRA: earlier tasks' directions (frozen), one magnitude per
/// direction, the current task's direction; for C-LoRA: R_old (frozen), no magnitudes, the shared A and B with R_δ; for
/// seq-lora: its one LoRA is the current adapter and its fixed magnitude 1 is stored.
/// </summary>
public static class ParameterGroups
{
    public const string Backbone = "backbone";
    public const string FrozenDirections = "frozen directions";
    public const string Magnitudes = "magnitudes";
    public const string CurrentAdapter = "current adapter";
    public const string Head = "head";

    /// <summary>The groups an adapter holds (everything but the backbone and the head).</summary>
    public static readonly string[] Adapter = [FrozenDirections, Magnitudes, CurrentAdapter];

    public static readonly string[] All = [Backbone, .. Adapter, Head];

    /// <summary>The adapter numbers stored: what a method adds to the pretrained model.</summary>
    public static long AdapterStored(IEnumerable<ParameterGroup> groups) => groups.Where(g => Adapter.Contains(g.Name)).Sum(g => g.Stored);

    /// <summary>One line: each group's trainable / stored numbers.</summary>
    public static string Describe(IEnumerable<ParameterGroup> groups) =>
        string.Join(" · ", groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Name} {g.Trainable:N0} / {g.Stored:N0}")));
}
