using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;
using Cltool.Core.Errors;

namespace Cltool.Core.Tests;

/// <summary>InfLoRA's counting rules (reference/inflora.md §2.3, T10) and its recipe key.</summary>
public sealed class InfLoraRulesTests
{
    // Energy S²: 0.64, 0.25, 0.09, 0.02 of 1.00 in total; cumulative 0.64, 0.89, 0.98, 1.00.
    static readonly double[] Spectrum = [0.8, 0.5, 0.3, Math.Sqrt(0.02)];

    [Theory]
    [InlineData(0.5, 1)]     // nothing stays below 0.5, but the first direction is always kept
    [InlineData(0.89, 1)]    // the crossing component (cumulative exactly 0.89) is not kept
    [InlineData(0.9, 2)]
    [InlineData(0.98, 2)]
    [InlineData(0.99, 3)]
    [InlineData(1.0, 3)]     // cumulative 1.00 is not below 1
    public void The_first_task_keeps_the_directions_strictly_below_the_threshold(double threshold, int kept) =>
        Assert.Equal(kept, EnergyRule.FirstTask(Spectrum, threshold));

    [Theory]
    [InlineData(0.60, 0)]    // the subspace already holds 0.70 of the energy
    [InlineData(0.70, 0)]    // exactly the threshold: nothing to add
    [InlineData(0.80, 1)]    // 0.70 + 0.16 crosses it: the crossing direction is kept
    [InlineData(0.94, 2)]    // 0.86, then 0.95: stops at the first share ≥ ε
    [InlineData(0.96, 3)]    // 0.99
    [InlineData(1.0, 4)]     // all the residual's directions, and no more
    public void A_later_task_adds_directions_until_the_share_held_reaches_the_threshold(double threshold, int added) =>
        Assert.Equal(added, EnergyRule.LaterTask(total: 1.0, residual: 0.30, [0.4, 0.3, 0.2, 0.1], threshold));

    [Fact]
    public void The_threshold_grows_linearly_from_its_start_towards_its_end_over_the_tasks()
    {
        var settings = new InfLoraSettings { Threshold = 0.98 };
        Assert.Equal([0.98, 0.982, 0.998], new[] { 0, 1, 9 }.Select(t => Math.Round(settings.ThresholdAfter(t, 10), 10)));
    }

    [Theory]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"threshold\": 1.5}}", "inflora.threshold must be in (0, 1]")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"threshold\": 0}}", "inflora.threshold must be in (0, 1]")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"threshold\": 0.98, \"thresholdEnd\": 0.95}}", "the threshold schedule must not decrease")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"blocks\": 0}}", "inflora.blocks must be a positive number")]
    [InlineData("{\"method\": \"sdlora\", \"inflora\": {\"blocks\": 5}}", "inflora applies to method inflora only, not 'sdlora'")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"treshold\": 0.9}}", "treshold")]
    public void A_wrong_inflora_recipe_is_one_error_naming_the_key(string json, string expected)
    {
        using var temporary = new TemporaryDirectory();
        string path = temporary.File("recipe.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<CltoolException>(() => TrainRecipe.Load(path).Validate());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_model_narrower_than_the_rank_or_shallower_than_the_blocks_is_refused()
    {
        Assert.Contains("rank 40 is larger than the model's width 32", new InfLoraSettings().ProblemFor(40, 2, 32));
        Assert.Contains("inflora.blocks 5 is more than the model's 2 blocks", new InfLoraSettings { Blocks = 5 }.ProblemFor(10, 2, 32));
        Assert.Null(new InfLoraSettings { Blocks = 2 }.ProblemFor(10, 2, 32));
    }

    [Fact]
    public void The_coda_cosine_schedule_ends_at_one_point_six_percent_of_the_learning_rate()
    {
        var recipe = new TrainRecipe { Schedule = "coda-cosine", LearningRate = 5e-4, Epochs = 50 };
        Assert.Equal(5e-4, recipe.LearningRateAt(1, 0));
        Assert.Equal(5e-4 * Math.Cos(99 * Math.PI / 200), recipe.LearningRateAt(1, 49), 15);
        Assert.InRange(recipe.LearningRateAt(1, 49) / 5e-4, 0.0156, 0.0158);
    }
}
