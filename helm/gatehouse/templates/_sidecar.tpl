{{/*
Sidecar mode: Gatehouse in the pod of one API node. Gatehouse listens on the pod's
service port and forwards to the API node on 127.0.0.1:<port>; the two containers
share the pod's network and nothing else (no volume of the API node is mounted).

In your own chart, with this chart as a dependency (mode: sidecar,
sidecar.apiNode.enabled: false, so it renders only the ConfigMap):

  containers:
    - name: my-api            # listens on 127.0.0.1:9000 only
      ...
    {{- include "gatehouse.sidecar" .Subcharts.gatehouse | nindent 4 }}
  volumes:
    {{- include "gatehouse.sidecar.volumes" .Subcharts.gatehouse | nindent 4 }}

and give the pod terminationGracePeriodSeconds above Gatehouse's preStop pause plus
drain (docs/deploy.md, "Sidecar").
*/}}

{{- define "gatehouse.sidecar" -}}
{{- if ne .Values.mode "sidecar" -}}
{{- fail "the gatehouse.sidecar template needs the gatehouse chart's mode: sidecar" -}}
{{- end -}}
{{- include "gatehouse.validate" . -}}
{{- include "gatehouse.container" . -}}
{{- end -}}

{{- define "gatehouse.sidecar.volumes" -}}
{{- include "gatehouse.volumes" . -}}
{{- end -}}
