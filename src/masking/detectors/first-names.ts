// A compact list of common given names in the default regions' languages (DE, FR, ES, IT, NL, PL,
// SE, GB, US), written for this project from general knowledge of naming, not from any register.
// The free-text person detector needs a given name followed by a capitalised surname, so a name
// on its own ("Paris", "Grace") never matches.

const NAMES = `
Aaron Abigail Adam Adrian Agnes Agnieszka Ahmed Aidan Aitana Alba Albert Alberto Aleksander Aleksandra
Alejandro Alessandra Alessandro Alessia Alex Alexander Alexandra Alexandre Alexis Alfonso Alfred Ali Alice
Alicia Alicja Alina Alma Amanda Amelia Amélie Ana Anders Andrea Andreas Andrew Andrés Andrzej Aneta Angela
Angelika Angelo Anita Ann Anna Anne Annika Anouk Antje Antoine Anton Antonia Antonio Anja Arianna Arne
Arthur Astrid Aurélie Ava Axel Barbara Bart Bartosz Bas Beatrice Beatriz Ben Benedikt Benjamin Benoît
Bernard Bernd Bianca Birgit Björn Bogdan Bram Brian Bruno Camille Carina Carl Carla Carlo Carlos Carmen
Carolina Caroline Catherine Cecilia Charles Charlotte Chiara Chloé Chris Christian Christina Christine
Christoph Christopher Claire Clara Claudia Claudio Clément Colin Cristina Dagmar Daan Damian Daniel
Daniela Daniele Dariusz David Davide Debora Dennis Diana Diego Dieter Dirk Dominik Dorota Eduardo Edward
Elena Eleonora Elias Élise Elisa Elisabeth Elizabeth Ella Elodie Élodie Elsa Emil Emilia Emily Emma
Emanuele Enrico Enzo Eric Erik Ernst Esther Ethan Eva Ewa Fabian Fabio Fatima Federica Federico Felix
Femke Fernando Filip Filippo Finn Fleur Florian Francesca Francesco Francisco Frank Franziska Frederik
Freja Frida Gabriel Gabriela Gabriele Georg George Gérard Gerrit Gianluca Giorgia Giorgio Giovanni Giulia
Giulio Giuseppe Gonzalo Grace Greta Grzegorz Guillaume Gustav Hanna Hannah Hans Harald Harry Heike Helena
Helga Henrik Henry Hugo Ian Iker Ilse Ines Inès Inga Ingrid Irene Isabel Isabella Isabelle Ivan Jack Jacob
Jacques Jakob Jakub James Jan Jana Jane Janina Janne Jasper Javier Jean Jennifer Jens Jeroen Jessica Joanna
Joaquín Johan Johanna Johannes John Jonas Jonathan Jordi Jorge José Josef Joseph Joost Jörg Juan Judith
Julia Julian Julien Juliette Justyna Jürgen Kamil Karin Karl Karolina Karsten Katarzyna Kate Katharina
Katrin Kevin Klara Klaus Krzysztof Kurt Lara Lars Laura Laurent Lea Léa Leandro Lena Leo Leon Léon Leonie
Lina Linda Linnea Lisa Lorenzo Lotte Louis Louise Luca Lucas Lucía Lucie Ludovic Luigi Luis Luisa Lukas
Łukasz Maarten Maartje Magdalena Maja Malin Małgorzata Manon Manuel Manuela Marc Marcel Marco Marcus Marek
Margaux Margot Maria María Mariana Marie Marina Mario Marion Mark Marta Martin Martina Mary Mateo Mateusz
Mathias Mathieu Matilda Matteo Matthew Matthias Mattias Max Maxime Maximilian Mercedes Mia Michael Michał
Michel Michele Miguel Mikael Mila Miriam Monika Nadia Natalia Nathalie Nicola Nicolas Nicole Niels Nils
Nina Noah Noor Nora Nuria Olga Olivia Olivier Oliver Oscar Oskar Pablo Paola Patricia Patrick Paul Paula
Pauline Paweł Pedro Per Peter Petra Philipp Philippe Piet Pieter Pierre Piotr Rafael Rafał Raúl Rebecca
Remco Rémi Renate Ricardo Riccardo Richard Rita Robert Roberta Roberto Roel Roman Rosa Ruben Rut Ryan
Sabine Samuel Sandra Sanne Sander Santiago Sara Sarah Sebastian Sébastien Sergio Silvia Simon Simona Simone
Sofia Sofía Sophie Stefan Stefano Stéphane Steven Susanne Sven Sylvie Szymon Teresa Thijs Thomas Théo
Thierry Tim Tobias Tom Tomasz Torsten Ulla Ulrich Ursula Uwe Valentina Valentin Valeria Vera Victor Victoria
Vincent Vincenzo Wiktoria William Willem Wojciech Wolfgang Wouter Yannick Yvonne Zofia Zuzanna
`;

export const FIRST_NAMES: ReadonlySet<string> = new Set(NAMES.split(/\s+/).filter((n) => n.length > 0));
