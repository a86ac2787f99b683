using Cltool.Core.Imaging;

namespace Cltool.Core.Tests;

public sealed class TransformTests
{
    static RgbImage Ramp(int width, int height) =>
        new(width, height, Enumerable.Range(0, width * height).SelectMany(i => new[] { (byte)(i * 7 % 256), (byte)(i % 256), (byte)255 }).ToArray());

    [Theory]
    [InlineData(Interpolation.Bilinear)]
    [InlineData(Interpolation.Bicubic)]
    public void Resizing_to_the_same_size_is_the_identity(Interpolation filter)
    {
        RgbImage image = Ramp(6, 5);

        float[] planar = Resampler.Resize(image, 0, 0, 6, 5, 6, 5, filter);

        for (int i = 0; i < 30; i++) Assert.Equal(image.Pixels[3 * i], planar[i], 4);
    }

    [Fact]
    public void Downsampling_uses_pillows_antialiased_triangle_filter()
    {
        // One row 0, 64, 128, 192 halved with the bilinear filter widened by the scale (2): output 0 is centred at
        // 1.0 and weighs pixels 0, 1, 2 by 0.75, 0.75, 0.25 (normalised by 1.75), as Pillow's resample does, and is
        // rounded to a byte: 45.71 -> 46, 146.29 -> 146.
        var image = new RgbImage(4, 1, [0, 0, 0, 64, 64, 64, 128, 128, 128, 192, 192, 192]);

        float[] planar = Resampler.Resize(image, 0, 0, 4, 1, 2, 1, Interpolation.Bilinear);

        Assert.Equal(Math.Round((64 * 0.75 + 128 * 0.25) / 1.75), planar[0]);
        Assert.Equal(Math.Round((64 * 0.25 + 128 * 0.75 + 192 * 0.75) / 1.75), planar[1]);
    }

    [Fact]
    public void Eval_of_a_native_size_image_only_normalises()
    {
        RgbImage image = Ramp(4, 4);

        float[] input = Transforms.Eval(image, Preprocessing.Native(4));

        Assert.Equal(3 * 16, input.Length);
        Assert.Equal((image.Pixels[3] / 255f - 0.5f) / 0.5f, input[1], 5); // red of pixel 1
        Assert.Equal(1f, input[2 * 16], 5);                                    // blue 255 -> 1
    }

    [Fact]
    public void The_official_sd_lora_preprocessing_resizes_to_256_crops_224_and_does_not_normalise()
    {
        Preprocessing official = Preprocessing.SdLoraOfficial(224);
        var white = new RgbImage(300, 400, Enumerable.Repeat((byte)255, 300 * 400 * 3).ToArray());

        float[] input = Transforms.Eval(white, official);

        Assert.Equal(256, official.ResizeSize);
        Assert.Equal(3 * 224 * 224, input.Length);
        Assert.All(input, value => Assert.Equal(1f, value, 5));
    }

    [Fact]
    public void Random_resized_crop_boxes_stay_inside_and_cover_the_scale_range()
    {
        var random = new Random(3);
        var augmentation = new Augmentation(0.05);
        var areas = new List<double>();
        for (int i = 0; i < 2000; i++)
        {
            (int top, int left, int height, int width) = Transforms.RandomResizedCropBox(40, 30, augmentation, random);
            Assert.InRange(top, 0, 30 - height);
            Assert.InRange(left, 0, 40 - width);
            areas.Add(width * height / 1200.0);
        }
        Assert.InRange(areas.Min(), 0.03, 0.08);
        Assert.InRange(areas.Max(), 0.9, 1.0);
    }

    [Fact]
    public void The_train_transform_is_reproducible_and_never_flips_when_not_allowed()
    {
        RgbImage image = Ramp(16, 16);
        var noCrop = new Augmentation(1.0, 1.0, Flip: true);
        float[] reference = Transforms.Eval(image, Preprocessing.Native(16));

        // scale (1, 1) and ratio 1 → the full image; with flipping disallowed the result equals Eval.
        for (int seed = 0; seed < 20; seed++)
        {
            float[] unflipped = Transforms.Train(image, Preprocessing.Native(16), noCrop, allowFlip: false, new Random(seed));
            Assert.Equal(reference, unflipped);
        }
        Assert.Equal(Transforms.Train(image, Preprocessing.Native(16), Augmentation.SdLoraOfficial, true, new Random(5)),
                     Transforms.Train(image, Preprocessing.Native(16), Augmentation.SdLoraOfficial, true, new Random(5)));
    }
}
