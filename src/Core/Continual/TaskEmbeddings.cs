using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// The head-input features of one task's training images (evaluation transform, the order the statistics pass reads
/// them) [images, dim], embedded by the model as it was <see cref="Before"/> the task trained or <see cref="After"/>.
/// A pair of them is what every drift compensation is estimated from; stored as
/// <c>statistics/task-NN.{before,after}.safetensors</c> so a resumed run and <c>eval --drift</c> estimate exactly what
/// the uninterrupted run did.
/// </summary>
public sealed record TaskEmbeddings(int Task, string Stage, HostTensor Features)
{
    public const string Before = "before", After = "after";
    static readonly FileFormat Header = new("cltool.task-embeddings", 1, "cltool task-embeddings file");

    public long Bytes => sizeof(float) * (long)Features.Data.Length;

    public void Save(RunDirectory run, TrainRecipe recipe)
    {
        var writer = new SafeTensorsWriter();
        Header.WriteTo(writer);
        TaskFileStamp.WriteTo(writer, Task, recipe);
        writer.Metadata["stage"] = Stage;
        writer.Add("features", Features.Data, Features.Shape);
        Directory.CreateDirectory(run.StatisticsDirectory);
        writer.Save(run.Embeddings(Task, Stage));
    }

    /// <summary>Task <paramref name="task"/>'s embeddings at <paramref name="stage"/> of the run <paramref name="recipe"/> made; anything else is an error.</summary>
    public static TaskEmbeddings Load(RunDirectory run, TrainRecipe recipe, int task, string stage)
    {
        string path = run.Embeddings(task, stage);
        if (!File.Exists(path))
            throw TaskFileStamp.Missing(path, $"drift compensation needs task {task + 1}'s training images embedded {stage} it trained");
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Header.Check(file);
        TaskFileStamp.Check(file, task, recipe, $"embeddings ({file.Metadata.GetValueOrDefault("stage")})");
        if (file.Metadata.GetValueOrDefault("stage") != stage)
            throw new Errors.CltoolException($"'{path}' holds the embeddings {file.Metadata.GetValueOrDefault("stage")} the task, expected {stage}.");
        return new TaskEmbeddings(task, stage, file.ReadRequired("features"));
    }
}
