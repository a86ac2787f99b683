using Cltool.Core.Errors;

namespace Cltool.Core.Continual;

/// <summary>
/// The files of one training run. Everything is written atomically; <c>resume.safetensors</c> is rewritten after every
/// epoch (with the optimizer state), <c>checkpoints/task-NN.safetensors</c> after every task, and before it (head
/// alignment only) <c>statistics/task-NN.safetensors</c>;
/// with drift compensation, <c>statistics/task-NN.before.safetensors</c> when the task starts and <c>task-NN.after.safetensors</c> with its statistics.
/// </summary>
public sealed record RunDirectory(string Path)
{
    public string Recipe => Combine("recipe.json");
    public string Manifest => Combine("run.json");
    public string ClassOrder => Combine("class-order.json");
    public string Resume => Combine("resume.safetensors");
    public string Checkpoints => Combine("checkpoints");
    public string Metrics => Combine("metrics.json");
    public string MatrixCsv => Combine("accuracy-matrix.csv");
    public string MatrixPng => Combine("accuracy-matrix.png");
    public string CurvePng => Combine("accuracy-curve.png");
    public string Golden => Combine("golden.safetensors");
    public string StatisticsDirectory => Combine("statistics");

    /// <summary>The class statistics of task <paramref name="task"/>'s classes (head alignment), named 1-indexed.</summary>
    public string Statistics(int task) => System.IO.Path.Combine(StatisticsDirectory, $"task-{task + 1:D2}.safetensors");

    /// <summary>
    /// Task <paramref name="task"/>'s training images embedded <paramref name="stage"/> it trained (<see cref="TaskEmbeddings"/>):
    /// what a drift compensation is estimated from.
    /// </summary>
    public string Embeddings(int task, string stage) => System.IO.Path.Combine(StatisticsDirectory, $"task-{task + 1:D2}.{stage}.safetensors");

    /// <summary>The checkpoint written after task <paramref name="task"/> (0-indexed), named 1-indexed.</summary>
    public string TaskCheckpoint(int task) => System.IO.Path.Combine(Checkpoints, $"task-{task + 1:D2}.safetensors");

    public bool HasRun => File.Exists(Recipe) || File.Exists(Resume);

    /// <summary>
    /// A checkpoint file as given, or for a run directory its last task checkpoint (or <paramref name="stage"/>, 1-indexed).
    /// </summary>
    public static string ResolveCheckpoint(string path, int? stage = null)
    {
        if (File.Exists(path) && stage is null) return path;
        if (!Directory.Exists(path)) throw CltoolException.MissingFile("Checkpoint", path);
        var run = new RunDirectory(path);
        if (stage is { } k)
        {
            string wanted = run.TaskCheckpoint(k - 1);
            return File.Exists(wanted) ? wanted : throw new CltoolException($"Run '{path}' has no checkpoint for task {k} ('{wanted}').");
        }
        string? last = Directory.Exists(run.Checkpoints)
            ? Directory.GetFiles(run.Checkpoints, "task-*.safetensors").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return last ?? throw new CltoolException($"'{path}' has no task checkpoints (expected {run.Checkpoints}/task-NN.safetensors).");
    }

    string Combine(string name) => System.IO.Path.Combine(Path, name);
}
