namespace Cltool.Core.Data;

/// <summary>
/// The ids that keep the random streams derived from one seed apart (<see cref="DeterministicRandom"/>). Resuming a
/// killed run bit-identically depends on them: each stream is re-derived from its id, never carried in memory, so
/// changing an id changes every run's numbers.
/// </summary>
public static class RandomStreams
{
    /// <summary>Per (seed, task): the new head rows.</summary>
    public const long HeadRows = 1;
    /// <summary>Per (seed, task): the initialisation of the task's LoRA direction.</summary>
    public const long Direction = 2;
    /// <summary>Per (seed, task): classifier alignment's sampled features and their order.</summary>
    public const long ClassifierAlignment = 3;
    /// <summary>Per (seed, task): the augmentation of InfLoRA's passes that measure its adapter's inputs.</summary>
    public const long InputMoments = 4;
    /// <summary>Per (seed, epoch): the batch order; negative, so it never meets a per-image stream (id = image index ≥ 0).</summary>
    public const long BatchOrder = -1;
    /// <summary>Per (seed, image): glyph renders of the train and the test split come from different streams.</summary>
    public const long GlyphTrain = 1, GlyphTest = 2;
}
