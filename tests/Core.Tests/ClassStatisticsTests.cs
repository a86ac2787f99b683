using System.Text;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;

namespace Cltool.Core.Tests;

/// <summary>A statistics file names the run that wrote it; files of older cltool versions still name the same run.</summary>
public sealed class ClassStatisticsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    static readonly TrainRecipe Recipe = new() { Method = Methods.SdLora, Seed = 5, HeadAlign = HeadAlignments.ClassifierAlign };
    static readonly ClassStatistics Statistics = new(2, CovarianceKinds.Full, new HostTensor([1, 2, 3, 4], [2, 2]), new HostTensor(new float[8], [2, 2, 2]));

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_file_written_before_a_recipe_key_existed_loads_for_its_own_run()
    {
        string path = _temporary.File("task-03.safetensors");
        Statistics.Save(path, Recipe);
        // As an older cltool wrote it: the recipe without the clora key (blanked in place, so the header keeps its length;
        // the header's JSON escapes the recipe's quotes as \u0022).
        byte[] bytes = File.ReadAllBytes(path);
        string file = Encoding.Latin1.GetString(bytes);
        string key = file.Contains(",\\u0022clora\\u0022:null", StringComparison.Ordinal) ? ",\\u0022clora\\u0022:null" : "\\u0022clora\\u0022:null,";
        Assert.Contains(key, file);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(file.Replace(key, new string(' ', key.Length), StringComparison.Ordinal)));

        ClassStatistics loaded = ClassStatistics.Load(path, Recipe, task: 2);

        Assert.Equal(Statistics.Means.Data, loaded.Means.Data);
    }

    [Fact]
    public void A_file_of_another_run_is_refused_naming_both()
    {
        string path = _temporary.File("task-03.safetensors");
        Statistics.Save(path, Recipe with { Seed = 6 });

        var error = Assert.Throws<CltoolException>(() => ClassStatistics.Load(path, Recipe, task: 2));

        Assert.Contains("holds the class statistics of another run or task", error.Message);
        Assert.Contains("\"seed\":6", error.Message);
    }
}
