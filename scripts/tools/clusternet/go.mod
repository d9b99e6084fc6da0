module istio-mesh.local/clusternet

go 1.26
