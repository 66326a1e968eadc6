package api

import (
	"net/http"
)

// containerRoutes are the /containers endpoints.
func (s *Server) containerRoutes() []route {
	return []route{
		{[]string{http.MethodGet}, "/containers/json", s.listContainers},
	}
}
