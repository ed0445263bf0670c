{{/*
The Gatehouse container and its volumes, shared by the standalone Deployment and the
sidecar (templates/_sidecar.tpl). Everything Gatehouse reads lives in one projected
volume at /etc/gatehouse (config, secret files, cert folders): one folder, updated
atomically by the kubelet, with no mount nested in a read-only mount. State lives in
the data volume at /var/lib/gatehouse, the image's declared volume.
*/}}

{{- define "gatehouse.container" -}}
- name: {{ ternary .Values.sidecar.containerName "gatehouse" (eq .Values.mode "sidecar") }}
  image: {{ include "gatehouse.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  # The image's CMD, spelled out so that the chart does not depend on the image default.
  args: ["start", "--config", "/etc/gatehouse/gatehouse.yaml"]
  ports:
    - name: http
      containerPort: {{ include "gatehouse.dataPlanePort" . }}
      protocol: TCP
    - name: admin
      containerPort: {{ include "gatehouse.adminPort" . }}
      protocol: TCP
    {{- with include "gatehouse.decisionsPort" . }}
    # The forward-auth decision listener (config.server.decisions), for the ingress controllers.
    - name: decisions
      containerPort: {{ . }}
      protocol: TCP
    {{- end }}
  {{- $env := include "gatehouse.env" . | trim }}
  {{- if $env }}
  env:
    {{- $env | nindent 4 }}
  {{- end }}
  startupProbe:
    httpGet:
      path: /healthz
      port: admin
      scheme: {{ include "gatehouse.probeScheme" . }}
    {{- toYaml .Values.probes.startup | nindent 4 }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: admin
      scheme: {{ include "gatehouse.probeScheme" . }}
    {{- toYaml .Values.probes.liveness | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: admin
      scheme: {{ include "gatehouse.probeScheme" . }}
    {{- toYaml .Values.probes.readiness | nindent 4 }}
  lifecycle:
    # Endpoints are removed while Gatehouse still serves; then SIGTERM starts the drain.
    preStop:
      exec:
        command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: gatehouse-config
      mountPath: /etc/gatehouse
      readOnly: true
    - name: gatehouse-data
      mountPath: /var/lib/gatehouse
    - name: gatehouse-tmp
      mountPath: /tmp
{{- end -}}

{{- define "gatehouse.env" -}}
{{- if .Values.redis.auth.existingSecret }}
- name: GATEHOUSE_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.auth.existingSecret }}
      key: {{ .Values.redis.auth.passwordKey }}
{{- end }}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Secret sources of one cert folder: server or client certificate, CA, CRL. */}}
{{- define "gatehouse.certSources" -}}
{{- $folder := .folder -}}
- secret:
    name: {{ .secretName }}
    items:
      - key: tls.crt
        path: {{ $folder }}/{{ .role }}.crt
      - key: tls.key
        path: {{ $folder }}/{{ .role }}.key
{{- if .clientCaSecretName }}
- secret:
    name: {{ .clientCaSecretName }}
    items:
      - key: ca.crt
        path: {{ $folder }}/ca.crt
{{- else }}
# ca.crt is optional: a cert-manager Secret from a CA or Vault issuer carries one.
- secret:
    name: {{ .secretName }}
    optional: true
    items:
      - key: ca.crt
        path: {{ $folder }}/ca.crt
{{- end }}
{{- if .crlSecretName }}
- secret:
    name: {{ .crlSecretName }}
    items:
      - key: crl.pem
        path: {{ $folder }}/crl.pem
{{- end }}
{{- end -}}

{{- define "gatehouse.volumes" -}}
- name: gatehouse-config
  projected:
    # 0440 (288): readable through the group (fsGroup 10001) in the standalone pod;
    # 0444 (292) for a sidecar, which cannot rely on the pod's fsGroup.
    defaultMode: {{ ternary 292 288 (eq .Values.mode "sidecar") }}
    sources:
      - configMap:
          name: {{ include "gatehouse.fullname" . }}
          items:
            - key: gatehouse.yaml
              path: gatehouse.yaml
      {{- range .Values.secretFiles }}
      - secret:
          name: {{ .secretName }}
          items:
            {{- $name := .name }}
            {{- range .items }}
            - key: {{ .key }}
              path: secrets/{{ $name }}/{{ default .key .path }}
            {{- end }}
      {{- end }}
      {{- range $listener, $folder := dict "dataPlane" "data-plane" "admin" "admin" }}
      {{- $tls := index $.Values.tls $listener }}
      {{- if $tls.enabled }}
      {{- $secret := required (printf "tls.%s.secretName is required when tls.%s.enabled is true" $listener $listener) $tls.secretName }}
      {{- include "gatehouse.certSources" (dict "folder" (printf "tls/%s" $folder) "role" "server" "secretName" $secret "clientCaSecretName" $tls.clientCaSecretName "crlSecretName" $tls.crlSecretName) | nindent 6 }}
      {{- end }}
      {{- end }}
      {{- range .Values.tls.upstreams }}
      {{- include "gatehouse.certSources" (dict "folder" (printf "tls/upstreams/%s" .infrastructure) "role" "client" "secretName" .secretName "clientCaSecretName" "" "crlSecretName" "") | nindent 6 }}
      {{- end }}
- name: gatehouse-data
  {{- if and (eq .Values.mode "standalone") (eq (include "gatehouse.storeType" .) "sqlite") .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (include "gatehouse.fullname" .) .Values.persistence.existingClaim }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: gatehouse-tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}
