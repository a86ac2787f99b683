using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Errors;

namespace Cltool.Core.Tests;

public sealed class GlyphLookalikeTests
{
    static readonly Glyphs Proxy = (Glyphs)DatasetCatalog.Open("glyphs:proxy", DatasetSplit.Train);

    static int[] ProxyCodePoints() => Proxy.ClassNames.Select(name => char.ConvertToUtf32(name, 0)).ToArray();

    static double MedianDistance(char a, char b)
    {
        var fonts = GlyphRenderer.InstalledFonts.Where(font => font.ContainsGlyph(a) && font.ContainsGlyph(b)).ToArray();
        double[] distances = fonts.Select(font => GlyphLookalikes.Distance(GlyphShape.Of(GlyphLookalikes.Render(font, a)),
            GlyphShape.Of(GlyphLookalikes.Render(font, b)))).Order().ToArray();
        return distances[distances.Length / 2];
    }

    [Theory]
    [InlineData('A', 'Α')] // Latin, Greek: one outline
    [InlineData('A', 'А')] // Latin, Cyrillic
    [InlineData('o', 'O')] // scaled to the same size, only the stroke weight differs
    [InlineData('c', 'с')]
    public void Characters_that_draw_the_same_are_within_the_distance(char a, char b) =>
        Assert.InRange(MedianDistance(a, b), 0, GlyphLookalikes.MaxDistance);

    [Theory]
    [InlineData('E', 'F')] // a missing stroke
    [InlineData('O', 'Q')] // a tail
    [InlineData('O', '0')] // 0 is much narrower than O in these fonts
    [InlineData('Ш', 'Щ')]
    [InlineData('u', 'U')]
    public void Characters_that_differ_by_a_stroke_or_a_shape_are_beyond_it(char a, char b) =>
        Assert.True(MedianDistance(a, b) > GlyphLookalikes.MaxDistance, $"{a} / {b}: {MedianDistance(a, b)} px");

    [Fact]
    public void The_distance_of_a_shape_to_itself_is_zero_and_one_pixel_of_shift_costs_one_pixel()
    {
        var ink = new float[32 * 32];
        for (int y = 8; y < 24; y++) ink[y * 32 + 10] = ink[y * 32 + 11] = 1; // a vertical bar, 2 px wide
        var shifted = new float[32 * 32];
        for (int y = 8; y < 24; y++) shifted[y * 32 + 11] = shifted[y * 32 + 12] = 1;

        Assert.Equal(0, GlyphLookalikes.Distance(GlyphShape.Of(ink), GlyphShape.Of(ink)));
        Assert.Equal(1, GlyphLookalikes.Distance(GlyphShape.Of(ink), GlyphShape.Of(shifted)));
        Assert.True(GlyphLookalikes.Alike(GlyphShape.Of(ink), GlyphShape.Of(shifted)));
    }

    [Fact]
    public void The_proxy_keeps_the_first_of_each_family_and_drops_the_rest()
    {
        int[] kept = ProxyCodePoints();
        int[] dropped = Proxy.Lookalikes.Select(l => l.Dropped).ToArray();

        Assert.Equal(116, kept.Length); // of the 174 benchmark classes, with the pinned fonts of Debian 12's fonts-noto-core, -dejavu-core and -dejavu-extra
        Assert.Equal(174, kept.Length + dropped.Length);
        Assert.Empty(kept.Intersect(dropped));
        Assert.Subset(kept.ToHashSet(), new HashSet<int> { 'A', 'O', '0', 'E', 'F', 'Γ', 'Ш', 'Щ', 'Ж', 'λ' });
        Assert.Subset(dropped.ToHashSet(), new HashSet<int> { 'Α', 'А', 'Ο', 'О', 'о', 'o', 'c', 'с' });
        Assert.All(Proxy.Lookalikes, lookalike => Assert.Contains(lookalike.Kept, kept));
        Assert.All(Proxy.Lookalikes, lookalike => Assert.True(2 * lookalike.FontsAlike > lookalike.FontsShared, lookalike.ToString()));
    }

    [Fact]
    public void The_proxy_has_only_scripts_the_pretraining_never_saw()
    {
        Assert.Empty(ProxyCodePoints().Intersect(GlyphSets.Resolve("pretrain")));
        Assert.Empty(((Glyphs)DatasetCatalog.Open("glyphs:benchmark", DatasetSplit.Train)).Lookalikes);
    }

    [Fact]
    public void The_glyph_recipes_split_the_proxy_into_nine_full_tasks()
    {
        foreach (string name in new[] { "split-glyphs.json", "split-glyphs-short.json" })
        {
            TrainRecipe recipe = TrainRecipe.Load(Repository.File("models", "recipes", name)).Validate();

            Scenario scenario = recipe.CreateScenario(DatasetCatalog.Open(recipe.Data, DatasetSplit.Train).ClassNames.Count);

            Assert.Equal(9, scenario.Tasks);
            Assert.Equal([20, 12, 12, 12, 12, 12, 12, 12, 12], scenario.TaskSizes);
            Assert.False(recipe.Flip);
        }
    }

    [Fact]
    public void A_dataset_with_fewer_classes_than_the_recipes_tasks_need_is_one_clear_error()
    {
        TrainRecipe recipe = TrainRecipe.Load(Repository.File("models", "recipes", "split-glyphs.json")) with { Data = "glyphs:latin-upper,digits" };

        var error = Assert.Throws<CltoolException>(() => recipe.Validate().CreateScenario(36));

        Assert.Equal("Recipe: 9 tasks of initClasses 20 + increment 12 need 116 classes; 'glyphs:latin-upper,digits' has 36.", error.Message);
    }
}
