// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see README.md in this folder).
// The public API of Unity Inference Engine (com.unity.ai.inference 2.2 .. 2.6, namespace
// Unity.InferenceEngine) that the sample uses, with the signatures of the package sources
// (Runtime/Core/Backends/Worker.cs, Converters/TextureConverter.cs, Converters/TextureTransform.cs,
// Model.cs, Internals/ModelAsset.cs, Functional/FunctionalGraph.cs, Functional/Functional.Model.cs).
// With -define:STUB_SENTIS_2_1 the same declarations form com.unity.sentis 2.1 (namespace Unity.Sentis),
// whose API for these calls is identical (2.2 renamed the namespace, with [MovedFrom("Unity.Sentis")]).
using System;
using System.Collections;
using System.Collections.Generic;
using UnityEngine;
using UnityEngine.Rendering;

#if STUB_SENTIS_2_1
namespace Unity.Sentis
#else
namespace Unity.InferenceEngine
#endif
{
    public enum DeviceType
    {
        GPU = 1 << 8,
        CPU = 1 << 9,
    }

    public enum BackendType
    {
        GPUCompute = 0 | DeviceType.GPU,
        GPUPixel = 1 | DeviceType.GPU,
        CPU = 0 | DeviceType.CPU,
    }

    public enum DataType
    {
        Float = 0,
        Int = 1,
    }

    public struct TensorShape
    {
        public TensorShape(int d0) { }
        public TensorShape(int d0, int d1) { }
        public TensorShape(int d0, int d1, int d2) { }
        public TensorShape(int d0, int d1, int d2, int d3) { }
        public TensorShape(int d0, int d1, int d2, int d3, int d4) { }
        public TensorShape(int d0, int d1, int d2, int d3, int d4, int d5) { }
        public int rank { get { return 0; } }
        public int length { get { return 0; } }
        public int this[int axis] { get { return 0; } }
    }

    public struct DynamicTensorShape
    {
        public DynamicTensorShape(TensorShape shape) { }
        public int rank { get { return 0; } }
        public bool IsStatic() { return false; }
        public TensorShape ToTensorShape() { return new TensorShape(); }
    }

    public abstract class Tensor : IDisposable
    {
        public DataType dataType { get { return DataType.Float; } }
        public TensorShape shape { get { return new TensorShape(); } }
        public int count { get { return 0; } }
        public BackendType backendType { get { return BackendType.CPU; } }
        public abstract void Reshape(TensorShape shape);
        public void CompleteAllPendingOperations() { }
        public bool IsReadbackRequestDone() { return true; }
        public void ReadbackRequest() { }
        public Tensor ReadbackAndClone() { return null; }
        public void Dispose() { }
    }

    // The real constraint is `where T : unmanaged` (C# 7.3); mcs implements C# up to 7.2.
    public class Tensor<T> : Tensor where T : struct
    {
        public Tensor(TensorShape shape, bool clearOnInit = true) { }
        public Tensor(TensorShape shape, T[] srcData, int dataStartIndex = 0) { }
        public override void Reshape(TensorShape shape) { }
        public new Tensor<T> ReadbackAndClone() { return null; }
        public T[] DownloadToArray() { return null; }
        public void Upload(T[] srcData) { }
        public T this[int d0] { get { return default(T); } set { } }
        public T this[int d3, int d2, int d1, int d0] { get { return default(T); } set { } }
    }

    [PreferBinarySerialization]
    public class ModelAsset : ScriptableObject { }

    public abstract class Layer
    {
        public int[] inputs;
        public int[] outputs;
        public abstract string opName { get; }
    }

    public class Constant { }

    public class Model
    {
        public struct Input
        {
            public string name;
            public int index;
            public DataType dataType;
            public DynamicTensorShape shape;
        }

        public struct Output
        {
            public string name;
            public int index;
        }

        public List<Input> inputs = new List<Input>();
        public List<Output> outputs = new List<Output>();
        public List<Layer> layers = new List<Layer>();
        public List<Constant> constants = new List<Constant>();
        public string ProducerName = "Script";
        public void AddOutput(string name, int index) { }
    }

    public static class ModelLoader
    {
        public static Model Load(ModelAsset modelAsset) { return null; }
        public static Model Load(string path) { return null; }
        public static Model Load(System.IO.Stream stream) { return null; }
    }

    public class Worker : IDisposable
    {
        public Worker(Model model, BackendType backendType) { }
        public Worker(Model model, DeviceType deviceType) { }
        public BackendType backendType { get { return BackendType.CPU; } }
        public void Dispose() { }
        public void SetInput(int index, Tensor input) { }
        public void SetInput(string name, Tensor input) { }
        public void Schedule() { }
        public void Schedule(Tensor input) { }
        public void Schedule(params Tensor[] inputs) { }
        public IEnumerator ScheduleIterable() { return null; }
        public IEnumerator ScheduleIterable(Tensor input) { return null; }
        public IEnumerator ScheduleIterable(params Tensor[] inputs) { return null; }
        public Tensor PeekOutput() { return null; }
        public Tensor PeekOutput(int index) { return null; }
        public Tensor PeekOutput(string name) { return null; }
        public void CopyOutput(int index, ref Tensor tensor) { }
        public void CopyOutput(string name, ref Tensor tensor) { }
    }

    public static class CommandBufferWorkerExtensions
    {
        public static void ScheduleWorker(this CommandBuffer cb, Worker worker) { }
        public static void ScheduleWorker(this CommandBuffer cb, Worker worker, Tensor input) { }
        public static void ScheduleWorker(this CommandBuffer cb, Worker worker, params Tensor[] inputs) { }
        public static IEnumerator ScheduleWorkerIterable(this CommandBuffer cb, Worker worker) { return null; }
    }

    public enum TensorLayout { NCHW = 0, NHWC = 1 }
    public enum CoordOrigin { TopLeft = 0, BottomLeft = 1 }
    public enum ChannelSwizzle { RGBA = 0, BGRA = 1 }
    public enum Channel { R = 0, G = 1, B = 2, A = 3 }

    public struct TextureTransform
    {
        public TextureTransform SetBroadcastChannels(bool broadcastChannels) { return this; }
        public TextureTransform SetChannelSwizzle(Channel c, int swizzle) { return this; }
        public TextureTransform SetChannelSwizzle(int channelSwizzleR = 0, int channelSwizzleG = 1, int channelSwizzleB = 2, int channelSwizzleA = 3) { return this; }
        public TextureTransform SetChannelSwizzle(ChannelSwizzle channelSwizzle) { return this; }
        public TextureTransform SetChannelColorMask(Channel c, bool mask, float color) { return this; }
        public TextureTransform SetChannelColorMask(bool maskR, bool maskG, bool maskB, bool maskA, Color color) { return this; }
        public TextureTransform SetTensorLayout(int tensorLayoutAxisN, int tensorLayoutAxisC, int tensorLayoutAxisH, int tensorLayoutAxisW) { return this; }
        public TextureTransform SetTensorLayout(TensorLayout tensorLayout) { return this; }
        public TextureTransform SetCoordOrigin(CoordOrigin coordOrigin) { return this; }
    }

    public static class TextureConverter
    {
        public static void ToTensor(Texture texture, Tensor<float> tensor, TextureTransform transform = default(TextureTransform)) { }
        public static void ToTensor(this CommandBuffer cb, Texture texture, Tensor<float> tensor, TextureTransform transform = default(TextureTransform)) { }
        public static void ToTensor(this CommandBuffer cb, RenderTargetIdentifier rte, Tensor<float> tensor, TextureTransform transform = default(TextureTransform)) { }
        public static void RenderToTexture(Tensor<float> tensor, RenderTexture renderTexture, TextureTransform transform = default(TextureTransform)) { }
        public static void RenderToTexture(this CommandBuffer cb, Tensor<float> tensor, RenderTexture renderTexture, TextureTransform transform = default(TextureTransform)) { }
        public static void RenderToScreen(Tensor<float> tensor, TextureTransform transform = default(TextureTransform)) { }
        public static void RenderToScreen(this CommandBuffer cb, Tensor<float> tensor, TextureTransform transform = default(TextureTransform)) { }
    }

    public class FunctionalTensor
    {
        public DataType dataType { get { return DataType.Float; } }
    }

    public class FunctionalGraph
    {
        public FunctionalTensor AddInput(DataType dataType, DynamicTensorShape shape) { return null; }
        public FunctionalTensor AddInput(DataType dataType, TensorShape shape) { return null; }
        public FunctionalTensor AddInput(Model model, int index) { return null; }
        public FunctionalTensor[] AddInputs(Model model) { return null; }
        public Model Compile(params FunctionalTensor[] outputs) { return null; }
    }

    public static partial class Functional
    {
        public static FunctionalTensor[] Forward(Model model, params FunctionalTensor[] inputs) { return null; }
        public static FunctionalTensor[] ForwardWithCopy(Model model, params FunctionalTensor[] inputs) { return null; }
    }
}
