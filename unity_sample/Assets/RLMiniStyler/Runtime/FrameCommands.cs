// The GPU calls of one stylised frame, behind one interface so that the per-frame logic
// (StylerFrameCore) exists once: the built-in pipeline runs each call now (OnRenderImage), URP
// records them into the render graph's command buffer.
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using System.Collections;
using UnityEngine;
using UnityEngine.Rendering;

namespace RLMiniStyler.Sample
{
    public interface IFrameCommands
    {
        void Blit(Texture source, RenderTexture destination);
        void ToTensor(RenderTexture source, Tensor<float> tensor);
        void Schedule(Worker worker);
        IEnumerator ScheduleIterable(Worker worker);
        /// <summary>Called each frame before the next MoveNext of an iterable started on an earlier frame.</summary>
        void ContinueIterable(Worker worker);
        void RenderToTexture(Tensor<float> tensor, RenderTexture destination);
        void SetTexture(ComputeShader shader, int kernel, int nameID, Texture texture);
        void SetVector(ComputeShader shader, int nameID, Vector4 value);
        void SetInt(ComputeShader shader, int nameID, int value);
        void Dispatch(ComputeShader shader, int kernel, int groupsX, int groupsY);
    }

    /// <summary>Runs every call at once (built-in pipeline, inside OnRenderImage). The texture conversions go
    /// through one command buffer made once: the converters' immediate overloads make a new native command
    /// buffer on every call (and leave it to the garbage collector).</summary>
    public sealed class ImmediateFrameCommands : IFrameCommands
    {
        CommandBuffer m_Conversions;

        CommandBuffer Conversions
        {
            get
            {
                if (m_Conversions == null)
                    m_Conversions = new CommandBuffer { name = "RLMiniStyler conversions" };
                return m_Conversions;
            }
        }

        public void Blit(Texture source, RenderTexture destination) { Graphics.Blit(source, destination); }

        public void ToTensor(RenderTexture source, Tensor<float> tensor)
        {
            if (!SystemInfo.supportsComputeShaders)
            {
                TextureConverter.ToTensor(source, tensor, new TextureTransform());   // the pixel-shader path
                return;
            }
            Conversions.ToTensor(source, tensor, new TextureTransform());
            Graphics.ExecuteCommandBuffer(m_Conversions);
            m_Conversions.Clear();
        }

        public void Schedule(Worker worker) { worker.Schedule(); }
        public IEnumerator ScheduleIterable(Worker worker) { return worker.ScheduleIterable(); }
        public void ContinueIterable(Worker worker) { }

        public void RenderToTexture(Tensor<float> tensor, RenderTexture destination)
        {
            if (!SystemInfo.supportsComputeShaders)
            {
                TextureConverter.RenderToTexture(tensor, destination, new TextureTransform());
                return;
            }
            Conversions.RenderToTexture(tensor, destination, new TextureTransform());
            Graphics.ExecuteCommandBuffer(m_Conversions);
            m_Conversions.Clear();
        }

        public void Release()
        {
            if (m_Conversions != null)
                m_Conversions.Release();
            m_Conversions = null;
        }

        public void SetTexture(ComputeShader shader, int kernel, int nameID, Texture texture) { shader.SetTexture(kernel, nameID, texture); }
        public void SetVector(ComputeShader shader, int nameID, Vector4 value) { shader.SetVector(nameID, value); }
        public void SetInt(ComputeShader shader, int nameID, int value) { shader.SetInt(nameID, value); }
        public void Dispatch(ComputeShader shader, int kernel, int groupsX, int groupsY) { shader.Dispatch(kernel, groupsX, groupsY, 1); }
    }

    /// <summary>Records every call into a command buffer (URP). Needs the GPUCompute backend: Inference
    /// Engine schedules a worker into a command buffer only on that backend. The URP pass copies with
    /// Blitter instead (a subclass in Runtime/URP: Blitter is part of the render pipeline packages).</summary>
    public class CommandBufferFrameCommands : IFrameCommands
    {
        public CommandBuffer cmd;
        CommandBuffer m_IterableBuffer;     // the buffer the spread worker last recorded into
        Worker m_IterableWorker;

        public virtual void Blit(Texture source, RenderTexture destination) { cmd.Blit(source, destination); }
        public void ToTensor(RenderTexture source, Tensor<float> tensor) { cmd.ToTensor(source, tensor, new TextureTransform()); }
        public void Schedule(Worker worker) { cmd.ScheduleWorker(worker); }

        public IEnumerator ScheduleIterable(Worker worker)
        {
            m_IterableBuffer = cmd;
            m_IterableWorker = worker;
            return cmd.ScheduleWorkerIterable(worker);
        }

        public void ContinueIterable(Worker worker)
        {
            // A worker records into the command buffer it was last given, and a later frame may bring a
            // different one. Re-pointing it is public only through ScheduleWorkerIterable, whose enumerator
            // does nothing until MoveNext: it is dropped unstarted (and only made when the buffer changed).
            if (ReferenceEquals(m_IterableBuffer, cmd) && ReferenceEquals(m_IterableWorker, worker))
                return;
            m_IterableBuffer = cmd;
            m_IterableWorker = worker;
            cmd.ScheduleWorkerIterable(worker);
        }

        public void RenderToTexture(Tensor<float> tensor, RenderTexture destination) { cmd.RenderToTexture(tensor, destination, new TextureTransform()); }
        public void SetTexture(ComputeShader shader, int kernel, int nameID, Texture texture) { cmd.SetComputeTextureParam(shader, kernel, nameID, texture); }
        public void SetVector(ComputeShader shader, int nameID, Vector4 value) { cmd.SetComputeVectorParam(shader, nameID, value); }
        public void SetInt(ComputeShader shader, int nameID, int value) { cmd.SetComputeIntParam(shader, nameID, value); }
        public void Dispatch(ComputeShader shader, int kernel, int groupsX, int groupsY) { cmd.DispatchCompute(shader, kernel, groupsX, groupsY, 1); }
    }
}
