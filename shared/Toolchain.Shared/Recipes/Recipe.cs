namespace Toolchain.Recipes;

/// <summary>
/// A training recipe, as written in models/&lt;name&gt;/recipe.yaml: what to train on, the model, the
/// loss, the optimizer and the loop settings. Keys are snake_case in YAML.
/// </summary>
public sealed class Recipe
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public DataSection Data { get; set; } = new();
    public ModelSection Model { get; set; } = new();
    public LossSection Loss { get; set; } = new();
    public OptimizerSection Optimizer { get; set; } = new();
    public ScheduleSection Schedule { get; set; } = new();
    public RegularizationSection Regularization { get; set; } = new();
    public ClippingSection Clipping { get; set; } = new();
    public TrainingSection Training { get; set; } = new();
}

/// <summary>Penalties added to the training loss: l1·Σ|w| + l2·Σw² over weights (and biases when asked).</summary>
public sealed class RegularizationSection
{
    public double L1 { get; set; }
    public double L2 { get; set; }
    public bool ApplyToBiases { get; set; }
}

/// <summary>Gradient clipping inside the optimizer graph; 0 turns a kind off.</summary>
public sealed class ClippingSection
{
    /// <summary>Clip each gradient element to [−value, value].</summary>
    public double Value { get; set; }
    /// <summary>Scale all gradients so their global L2 norm is at most max_norm.</summary>
    public double MaxNorm { get; set; }
}

/// <summary>Stop when the monitored validation metric has not improved for a while.</summary>
public sealed class EarlyStoppingSection
{
    /// <summary>Epochs without improvement before stopping; 0 turns early stopping off.</summary>
    public int Patience { get; set; }
    public double MinDelta { get; set; }
    public bool RestoreBest { get; set; } = true;
}

public sealed class DataSection
{
    /// <summary>fashion-mnist (IDX files in <see cref="Path"/>), csv (a table with a header row) or synthetic (see <see cref="Generator"/>).</summary>
    public string Dataset { get; set; } = "fashion-mnist";
    public string Path { get; set; } = "/usr/share/datasets/fashion-mnist";
    /// <summary>How many of the training images are held back for validation (deterministic split).</summary>
    public int ValidationSize { get; set; } = 5000;
    public int SplitSeed { get; set; }
    /// <summary>
    /// standard: (x − mean) / std; minmax: (x − min) / (max − min); none: raw values. Statistics come from the
    /// training split only: one for all pixels of images, one per feature for tables.
    /// </summary>
    public string Normalize { get; set; } = "standard";
    public List<string> Labels { get; set; } = [];

    /// <summary>csv: the column to predict.</summary>
    public string? Target { get; set; }
    /// <summary>csv: the feature columns, in order; empty means every numeric column except the target.</summary>
    public List<string> Features { get; set; } = [];
    /// <summary>csv: classification (target = class names or indices) or regression (target = a number).</summary>
    public string Task { get; set; } = "classification";
    /// <summary>csv: rows with a missing or non-numeric feature are dropped (drop) or the value is imputed with the training split's mean or median.</summary>
    public string Missing { get; set; } = "drop";
    /// <summary>csv and synthetic: train / validation / test split by ratio (fashion-mnist keeps validation_size and its t10k test set).</summary>
    public SplitSection Split { get; set; } = new();
    /// <summary>Training-only augmentation of each batch.</summary>
    public AugmentSection Augment { get; set; } = new();

    /// <summary>synthetic: linear (y = slope · Σx + intercept + noise) or binary_rule (label = [x₁ + … + x_informative + noise &gt; 0]).</summary>
    public string Generator { get; set; } = "linear";
    /// <summary>synthetic: how many rows to generate (before the split).</summary>
    public int Samples { get; set; } = 1000;
    /// <summary>synthetic: standard deviation of the Gaussian noise added to the target value (linear) or to the rule's score (binary_rule).</summary>
    public double Noise { get; set; }
    /// <summary>synthetic: number of input features.</summary>
    public int FeatureCount { get; set; } = 1;
    /// <summary>synthetic binary_rule: how many of the features (the first ones) the rule reads; the rest are noise.</summary>
    public int Informative { get; set; } = 1;
    public double Slope { get; set; } = 2;
    public double Intercept { get; set; }
    public int GeneratorSeed { get; set; }
}

/// <summary>Fractions of the rows held back for validation and test; the rest trains.</summary>
public sealed class SplitSection
{
    public double Validation { get; set; } = 0.1;
    public double Test { get; set; } = 0.1;
    /// <summary>Keep each class's share of the rows in every split (classification only).</summary>
    public bool Stratify { get; set; }
}

/// <summary>Random changes to training batches, seeded by (training.seed, step, position in the batch); never applied to validation, test or export.</summary>
public sealed class AugmentSection
{
    /// <summary>Images: shift by up to this many pixels in each direction (pad with background, then crop).</summary>
    public int Shift { get; set; }
    /// <summary>Images: mirror left–right with probability ½.</summary>
    public bool Flip { get; set; }
    /// <summary>Standard deviation of Gaussian noise added to the normalised input.</summary>
    public double Noise { get; set; }

    public bool Enabled => Shift > 0 || Flip || Noise > 0;
}

public sealed class ModelSection
{
    /// <summary>Shape of one sample, without the batch dimension.</summary>
    public List<long> InputShape { get; set; } = [];
    public List<LayerSpec> Layers { get; set; } = [];
    /// <summary>An existing forward ONNX model to train instead of <see cref="Layers"/>.</summary>
    public string? Forward { get; set; }
    /// <summary>Regular expressions over parameter names; empty means every float initializer trains.</summary>
    public List<string> Trainable { get; set; } = [];
}

/// <summary>One entry of model.layers; which keys apply depends on the type (README: layer vocabulary).</summary>
public sealed class LayerSpec
{
    public string Type { get; set; } = "";
    public int? Units { get; set; }
    public bool Bias { get; set; } = true;
    /// <summary>dropout: the probability of zeroing an element.</summary>
    public double? Rate { get; set; }
    /// <summary>leaky_relu: the negative slope; elu: the saturation value.</summary>
    public double? Alpha { get; set; }
    public string? Name { get; set; }
    /// <summary>conv2d: output channels.</summary>
    public int? Filters { get; set; }
    /// <summary>conv2d and pools: the square window's side.</summary>
    public int? Kernel { get; set; }
    public int? Stride { get; set; }
    /// <summary>conv2d and pools: zeros added on every side (an integer), or <c>same</c> or <c>valid</c>.</summary>
    public string? Padding { get; set; }
    public int? Dilation { get; set; }
    public int? Groups { get; set; }
    /// <summary>avgpool2d: whether padded zeros count in the average (PyTorch's default: true).</summary>
    public bool? CountIncludePad { get; set; }
    /// <summary>batchnorm, layernorm: ε added to the variance.</summary>
    public double? Eps { get; set; }
    /// <summary>batchnorm: PyTorch's convention, running = (1 − momentum)·running + momentum·batch.</summary>
    public double? Momentum { get; set; }
    /// <summary>layernorm: the first normalised axis; softmax: the axis.</summary>
    public int? Axis { get; set; }
    /// <summary>embedding: rows of the table (the token ids range over 0 … num_embeddings − 1).</summary>
    public int? NumEmbeddings { get; set; }
    /// <summary>embedding: the width of each row.</summary>
    public int? EmbeddingDim { get; set; }
    /// <summary>reshape: the new shape of one sample (the batch dimension is kept).</summary>
    public List<long>? Shape { get; set; }
}

public sealed class LossSection
{
    public string Name { get; set; } = "cross_entropy";
    public double LabelSmoothing { get; set; }
    /// <summary>huber: where the loss turns from quadratic to linear (PyTorch's HuberLoss delta).</summary>
    public double Delta { get; set; } = 1.0;
}

public sealed class OptimizerSection
{
    public string Name { get; set; } = "adam";
    public double Lr { get; set; } = 1e-3;
    public List<double> Betas { get; set; } = [0.9, 0.999];
    public double Eps { get; set; } = 1e-8;
    public double WeightDecay { get; set; }
    public double Momentum { get; set; }
    public double Dampening { get; set; }
    public bool Nesterov { get; set; }
    public bool Amsgrad { get; set; }
    public double Alpha { get; set; } = 0.99;
    public bool Centered { get; set; }
    public double LrDecay { get; set; }
    public double InitialAccumulatorValue { get; set; }
}

public sealed class ScheduleSection
{
    public string Name { get; set; } = "constant";
    public int WarmupSteps { get; set; }
    public int StepSize { get; set; } = 1;
    public double Gamma { get; set; } = 0.1;
    public List<int> Milestones { get; set; } = [];
    /// <summary>The floor: eta_min of cosine and cosine_restarts, min_lr of plateau.</summary>
    public double MinLr { get; set; }
    /// <summary>epoch: step_size, milestones, t_max and t_0 count epochs; step: they count optimizer steps.</summary>
    public string Interval { get; set; } = "epoch";
    /// <summary>Warm-up starts at this fraction of the scheduled rate (PyTorch LinearLR's start_factor).</summary>
    public double WarmupStartFactor { get; set; } = 1.0 / 3;
    /// <summary>Cosine half-period; 0 means the whole run.</summary>
    public int TMax { get; set; }
    [YamlDotNet.Serialization.YamlMember(Alias = "t_0")]
    public int T0 { get; set; }
    public int TMult { get; set; } = 1;
    /// <summary>One-cycle peak; 0 means optimizer.lr.</summary>
    public double MaxLr { get; set; }
    public double PctStart { get; set; } = 0.3;
    public double DivFactor { get; set; } = 25;
    public double FinalDivFactor { get; set; } = 1e4;
    /// <summary>Plateau: min (a loss) or max (an accuracy).</summary>
    public string Mode { get; set; } = "min";
    public double Factor { get; set; } = 0.1;
    public int Patience { get; set; } = 10;
    public double Threshold { get; set; } = 1e-4;
    public string ThresholdMode { get; set; } = "rel";
    public int Cooldown { get; set; }
}

public sealed class TrainingSection
{
    public int BatchSize { get; set; } = 128;
    public int Epochs { get; set; } = 10;
    public int Seed { get; set; } = 42;
    public string Device { get; set; } = "cpu";
    public bool DropLast { get; set; }
    /// <summary>Intra-op threads for ONNX Runtime; 0 lets it use every core.</summary>
    public int Threads { get; set; }
    public int KeepCheckpoints { get; set; } = 3;
    /// <summary>Micro-batches whose gradients are summed before one optimizer step (effective batch = batch_size × this).</summary>
    public int GradientAccumulation { get; set; } = 1;
    /// <summary>The validation metric that picks the best checkpoint and drives early stopping: val_accuracy, val_loss, or auto (accuracy when the task has one).</summary>
    public string Monitor { get; set; } = "auto";
    public EarlyStoppingSection EarlyStopping { get; set; } = new();
    /// <summary>What a non-finite loss does: stop (naming the step; the last checkpoint stays good) or skip that step.</summary>
    public string OnNonFinite { get; set; } = "stop";
}
