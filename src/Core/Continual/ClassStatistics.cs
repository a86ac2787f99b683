using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// The head-input feature statistics of one task's classes, measured right after that task with evaluation transforms:
/// means [n, d] and covariances [n, d, d] (full) or [n, d] (diag), ridge 1e-4 included. Classifier alignment samples
/// every seen class from them; like SLCA, a class's statistics are never re-measured as the backbone moves on. Stored as
/// <c>statistics/task-NN.safetensors</c>, written before the task's checkpoint, with the run's recipe to prove whose they are.
/// </summary>
public sealed record ClassStatistics(int Task, string Covariance, HostTensor Means, HostTensor Covariances)
{
    static readonly FileFormat Header = new("cltool.class-statistics", 1, "cltool class-statistics file");

    public int Classes => (int)Means.Shape[0];
    public int Dim => (int)Means.Shape[1];
    /// <summary>Bytes of the stored numbers (float32).</summary>
    public long Bytes => sizeof(float) * ((long)Means.Data.Length + Covariances.Data.Length);

    public void Save(string path, TrainRecipe recipe)
    {
        var writer = new SafeTensorsWriter();
        Header.WriteTo(writer);
        TaskFileStamp.WriteTo(writer, Task, recipe);
        writer.Metadata["covariance"] = Covariance;
        writer.Add("means", Means.Data, Means.Shape);
        writer.Add("covariances", Covariances.Data, Covariances.Shape);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        writer.Save(path);
    }

    /// <summary>Task <paramref name="task"/>'s statistics of the run that <paramref name="recipe"/> made; anything else is an error.</summary>
    public static ClassStatistics Load(string path, TrainRecipe recipe, int task)
    {
        if (!File.Exists(path))
            throw TaskFileStamp.Missing(path, $"head alignment needs the class statistics of task {task + 1}, written when that task finished");
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Header.Check(file);
        TaskFileStamp.Check(file, task, recipe, "class statistics");
        return new ClassStatistics(task, file.Metadata.GetValueOrDefault("covariance") ?? CovarianceKinds.Full, file.ReadRequired("means"), file.ReadRequired("covariances"));
    }
}
