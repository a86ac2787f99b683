using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Errors;

namespace Cltool.Core.Continual;

/// <summary>
/// Every method cltool trains, in the order help and tables list them: the one place a method is described. Recipe
/// validation, the learner, the checkpoint codec, the fold, inspect, <c>cltool methods</c> and the tests read it.
/// </summary>
public static class MethodCatalog
{
    /// <summary>The departures from SD-LoRA's code that hold old magnitudes still (issue 28), for its code variants.</summary>
    static readonly string[] MagnitudeLevers = [TrainRecipe.CarryMagnitudesKey, TrainRecipe.OldMagnitudeLrKey];

    public static readonly IReadOnlyList<MethodEntry> All =
    [
        new(Methods.SdLora, DirectionFamily.Family,
            "SD-LoRA as the official code runs it: a new rank-r direction per task on q and v, earlier ones frozen and divided by ‖B‖‖A‖, every magnitude re-created at 0.8 and trained")
        { Trains = "the current direction, every magnitude, the head", Options = MagnitudeLevers },
        new(Methods.SdLoraPaper, DirectionFamily.Family,
            "SD-LoRA as the paper writes it: directions divided by ‖BA‖_F (the current one too), magnitudes from 1.0 carried across tasks")
        { Trains = "the current direction, every magnitude, the head", MagnitudeInit = 1.0, Options = [TrainRecipe.OldMagnitudeLrKey] },
        new(Methods.SdLoraRr, DirectionFamily.Family,
            "SD-LoRA-RR: the code variant with the rank reduced to 8 from the 5th task and to 6 from the 9th")
        { Trains = "the current direction, every magnitude, the head", RankOf = (task, rank) => task < 4 ? rank : task < 8 ? Math.Min(rank, 8) : Math.Min(rank, 6), Options = MagnitudeLevers },
        new(Methods.SdLoraKd, DirectionFamily.Family,
            "SD-LoRA-KD: after each task, a module's new direction that the earlier ones fit within τ is absorbed into their magnitudes")
        { Trains = "the current direction, every magnitude, the head", Options = [TrainRecipe.KdThresholdKey, .. MagnitudeLevers] },
        new(Methods.CLora, RoutedFamily.Family,
            "C-LoRA: one shared LoRA per adapted projection with a learnable r×r routing R = R_old + R_δ (arXiv 2502.17920)")
        { Trains = "the shared factors, R_δ, the head", Options = [TrainRecipe.CloraKey] },
        new(Methods.InfLora, SubspaceFamily.Family,
            "InfLoRA: per task a LoRA on k and v whose down-projection is designed from the task's inputs outside the subspace earlier tasks stored, and frozen (CVPR 2024)")
        { Trains = "the current task's up-projections, the head", Options = [TrainRecipe.InfloraKey] },
        new(Methods.SeqLora, DirectionFamily.Family, "One LoRA on q and v trained task after task (the naive LoRA baseline)")
        { Trains = "the one direction, the head" },
        new(Methods.FullFineTune, NoAdapter.Family, "Sequential fine-tuning of every weight (the lower bound)")
        { Trains = "every backbone weight, the head" },
        new(Methods.SimpleCil, NoAdapter.Family, "Frozen backbone, class-mean prototypes as a cosine classifier (SimpleCIL, Zhou et al. 2023)")
        { Trains = "nothing (the head's rows are class means)", TrainsWithGradients = false, TrainsHead = false },
        new(Methods.Joint, DirectionFamily.Family, "All classes at once, one LoRA on q and v (the upper bound)")
        { Trains = "the one direction, the head", TrainsHead = false, OneTask = true },
    ];

    public static IEnumerable<string> Names => All.Select(entry => entry.Name);

    /// <summary>The entry of <paramref name="name"/>; null for a name the catalog does not know.</summary>
    public static MethodEntry? Find(string name) => All.FirstOrDefault(entry => entry.Name == name);

    /// <summary>The entry of <paramref name="name"/>; an unknown name is one error listing the known ones.</summary>
    public static MethodEntry Of(string name) => Find(name)
        ?? throw new CltoolException($"Unknown method '{name}'; this cltool trains {string.Join(", ", Names)}.");
}
