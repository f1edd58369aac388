// URP (Unity 6, URP 17) adapter, part 1: the renderer feature. Add it to the URP renderer (the sample's
// Assets/RLMiniStyler/Settings/RLMiniStyler_URP_Renderer.asset has it); it stylises every Game camera
// that carries an enabled RLMiniStylerCamera component, which holds the models and settings.
// Delete this folder (Runtime/URP) in a project without the URP package.
using UnityEngine;
using UnityEngine.Rendering.Universal;

namespace RLMiniStyler.Sample
{
    public sealed class RLMiniStylerRendererFeature : ScriptableRendererFeature
    {
        [Tooltip("Where in the frame the camera image is stylised. After post-processing (default) the network " +
                 "sees the graded, tone-mapped image when the camera's Post Processing toggle is on (otherwise " +
                 "the ungraded one, as URP then runs no post-processing); earlier points stylise before " +
                 "post-processing, which then runs over the stylised image.")]
        public RenderPassEvent injectionPoint = RenderPassEvent.AfterRenderingPostProcessing;

        RLMiniStylerRenderPass m_Pass;

        public override void Create()
        {
            m_Pass = new RLMiniStylerRenderPass();
        }

        protected override void Dispose(bool disposing)
        {
            if (m_Pass != null)
                m_Pass.Dispose();
        }

        public override void AddRenderPasses(ScriptableRenderer renderer, ref RenderingData renderingData)
        {
            var camera = renderingData.cameraData.camera;
            if (m_Pass == null || camera == null || camera.cameraType != CameraType.Game)
                return;
            var styler = camera.GetComponent<RLMiniStylerCamera>();
            if (styler == null || !styler.isActiveAndEnabled)
                return;
            m_Pass.Setup(styler, injectionPoint);
            renderer.EnqueuePass(m_Pass);
        }
    }
}
