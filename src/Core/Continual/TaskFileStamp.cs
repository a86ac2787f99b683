using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// The task and recipe a per-task file of a run carries (class statistics, embeddings), so a file from another run or
/// task is refused on --resume and by eval instead of being silently used.
/// </summary>
public static class TaskFileStamp
{
    public static void WriteTo(SafeTensorsWriter writer, int task, TrainRecipe recipe)
    {
        writer.Metadata["task"] = task.ToString();
        writer.Metadata["recipe"] = CltoolJson.SerializeCompact(recipe);
    }

    /// <summary>Refuses <paramref name="file"/> unless it holds task <paramref name="task"/> of the run <paramref name="recipe"/> made.</summary>
    public static void Check(SafeTensorsFile file, int task, TrainRecipe recipe, string holds)
    {
        IReadOnlyDictionary<string, string> metadata = file.Metadata;
        if (metadata.GetValueOrDefault("task") != task.ToString() || metadata.GetValueOrDefault("recipe") is not { } stored
            || !CltoolJson.Deserialize<TrainRecipe>(stored, $"the recipe in '{file.Path}'").SameAs(recipe))
            throw new CltoolException($"'{file.Path}' holds the {holds} of another run or task (task {metadata.GetValueOrDefault("task")}, recipe " +
                                      $"{metadata.GetValueOrDefault("recipe")}); expected task {task} of this run's recipe.");
    }

    /// <summary>The error for a per-task file that is not there.</summary>
    public static CltoolException Missing(string path, string why) =>
        new($"'{path}' is missing: {why}; restart the run without --resume, or restore the file.");
}
